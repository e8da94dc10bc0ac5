// Tunnel decapsulation: which IP protocols and UDP ports carry another frame, and where it starts.
// Each encapsulation is its own small unit (tunnel-gre.ts, tunnel-vxlan.ts, ...) registered here;
// decode.ts looks the carrier up and decodes the inner frame as if it had been captured alone.
import type { DecodeSkip } from './decode';
import { decapGre } from './tunnel-gre';
import { decapVxlan } from './tunnel-vxlan';
import { decapGeneve } from './tunnel-geneve';

/** Ethertype meaning "an Ethernet frame follows" (GRE transparent Ethernet bridging). */
export const ETHERTYPE_TEB = 0x6558;

/** Where the inner frame starts and what it is, as an ethertype (ETHERTYPE_TEB: an Ethernet frame). */
export interface Encapsulated {
  ethertype: number;
  off: number;
}

/**
 * Reads a tunnel header at f[off..end) and returns the inner frame, or why it cannot be used.
 * Offsets index the same buffer; nothing is copied.
 */
export type Decapsulator = (f: Buffer, off: number, end: number) => Encapsulated | DecodeSkip;

/** Tunnels named by the IP protocol number (IPv4 protocol / IPv6 next header). */
export const IP_PROTO_TUNNELS: ReadonlyMap<number, Decapsulator> = new Map<number, Decapsulator>([
  [47, decapGre],
  [4, (_f, off) => ({ ethertype: 0x0800, off })], // IPv4 in IP
  [41, (_f, off) => ({ ethertype: 0x86dd, off })], // IPv6 in IP (6in4, 6in6)
]);

/** Tunnels over UDP, named by destination port (the IANA ports, as Suricata's defaults). */
export const UDP_PORT_TUNNELS: ReadonlyMap<number, Decapsulator> = new Map<number, Decapsulator>([
  [4789, decapVxlan],
  [6081, decapGeneve],
]);

/** IP protocols worth holding fragments for: TCP itself and every tunnel carrier. */
export function carriesTcp(proto: number): boolean {
  return proto === 6 || proto === 17 || IP_PROTO_TUNNELS.has(proto);
}

/** Nested tunnels beyond this depth are not followed (a crafted packet could nest without end). */
export const MAX_TUNNEL_DEPTH = 8;
