// Link layer -> IPv4/IPv6 -> TCP decoding of captured frames, through tunnels (tunnel.ts: GRE,
// ERSPAN, VXLAN, Geneve, IP-in-IP) down to the inner TCP. Everything works on offsets into the
// frame; nothing is copied (except fragments, held by the defragmenter). Frames we cannot use are
// classified, never thrown.
import type { IpDefragmenter } from './defrag';
import { IP_PROTO_TUNNELS, UDP_PORT_TUNNELS, MAX_TUNNEL_DEPTH, ETHERTYPE_TEB, carriesTcp, type Decapsulator } from './tunnel';

export const LINKTYPE = {
  NULL: 0, // BSD loopback: 4-byte address family in the capturing host's byte order
  ETHERNET: 1,
  RAW_OLD: 12, // raw IP on some BSDs (DLT_RAW)
  RAW_OLD2: 14,
  RAW: 101,
  CHDLC: 104, // Cisco HDLC
  LOOP: 108, // OpenBSD loopback: family in network byte order
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export type DecodeSkip =
  | 'truncated'
  | 'not-ip'
  | 'not-tcp'
  | 'ip-fragment'
  | 'bad-ip-header'
  | 'bad-tcp-header'
  | 'unsupported-linktype'
  | 'bad-tunnel-header'
  | 'tunnel-too-deep';

export interface TcpPacket {
  family: 4 | 6;
  /** Source/destination address bytes: views into the frame (4 or 16 bytes). */
  src: Buffer;
  dst: Buffer;
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  /** TCP flag bits (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10). */
  flags: number;
  window: number;
  /** TCP payload: a view into the frame. */
  payload: Buffer;
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_ACK = 0x10;

export type DecodeResult = { ok: true; pkt: TcpPacket } | { ok: false; skip: DecodeSkip };

/** Stateful help for decoding: IP fragments are held and reassembled when a defragmenter is given. */
export interface DecodeContext {
  defrag?: IpDefragmenter;
  timeMs: number;
}

const SKIP = (skip: DecodeSkip): DecodeResult => ({ ok: false, skip });

export function isSupportedLinktype(lt: number): boolean {
  return (Object.values(LINKTYPE) as number[]).includes(lt);
}

let ctx: DecodeContext | undefined;
/** Tunnel layers entered while decoding the current frame. */
let depth = 0;

/**
 * Decodes one frame of the given link type down to TCP. With a context holding a defragmenter,
 * IP fragments are collected ('ip-fragment' while incomplete) and the completed datagram decoded.
 */
export function decodeFrame(linktype: number, f: Buffer, context?: DecodeContext): DecodeResult {
  ctx = context;
  depth = 0;
  try {
    return decodeLink(linktype, f);
  } finally {
    ctx = undefined;
  }
}

function decodeLink(linktype: number, f: Buffer): DecodeResult {
  switch (linktype) {
    case LINKTYPE.ETHERNET:
      return decodeEthernet(f);
    case LINKTYPE.LINUX_SLL:
      if (f.length < 16) return SKIP('truncated');
      return decodeEthertype(f, f.readUInt16BE(14), 16);
    case LINKTYPE.LINUX_SLL2:
      if (f.length < 20) return SKIP('truncated');
      return decodeEthertype(f, f.readUInt16BE(0), 20);
    case LINKTYPE.RAW:
    case LINKTYPE.RAW_OLD:
    case LINKTYPE.RAW_OLD2:
    case LINKTYPE.IPV4:
    case LINKTYPE.IPV6:
      return decodeIp(f, 0);
    case LINKTYPE.NULL:
    case LINKTYPE.LOOP: {
      if (f.length < 4) return SKIP('truncated');
      // The family value is small: whichever byte order gives a known value is the right one.
      const le = f.readUInt32LE(0);
      const be = f.readUInt32BE(0);
      const fam = le < 0x10000 ? le : be;
      if (fam === 2) return decodeIp(f, 4);
      if (fam === 24 || fam === 28 || fam === 30 || fam === 10) return decodeIp(f, 4);
      return SKIP('not-ip');
    }
    case LINKTYPE.CHDLC:
      if (f.length < 4) return SKIP('truncated');
      return decodeEthertype(f, f.readUInt16BE(2), 4);
    default:
      return SKIP('unsupported-linktype');
  }
}

function decodeEthernet(f: Buffer): DecodeResult {
  if (f.length < 14) return SKIP('truncated');
  return decodeEthertype(f, f.readUInt16BE(12), 14);
}

function decodeEthertype(f: Buffer, type: number, off: number): DecodeResult {
  // 802.1Q / 802.1ad / QinQ tags: skip each 4-byte tag.
  for (let tags = 0; (type === 0x8100 || type === 0x88a8 || type === 0x9100) && tags < 8; tags++) {
    if (f.length < off + 4) return SKIP('truncated');
    type = f.readUInt16BE(off + 2);
    off += 4;
  }
  if (type === 0x8864) {
    // PPPoE session: 6-byte header then a 2-byte PPP protocol (0x0021 IPv4, 0x0057 IPv6).
    if (f.length < off + 8) return SKIP('truncated');
    const ppp = f.readUInt16BE(off + 6);
    if (ppp !== 0x21 && ppp !== 0x57) return SKIP('not-ip');
    return decodeIp(f, off + 8);
  }
  if (type === 0x0800 || type === 0x86dd) return decodeIp(f, off);
  if (type === ETHERTYPE_TEB && depth > 0) return decodeEthernet(f.subarray(off));
  return SKIP('not-ip');
}

/**
 * The payload of IP protocol `proto` at f[off..end): TCP, or a tunnel whose inner frame is decoded
 * as if captured alone (bounded by the outer packet), or skipped as not TCP.
 */
function decodeTransport(f: Buffer, off: number, end: number, proto: number, family: 4 | 6, src: Buffer, dst: Buffer): DecodeResult {
  if (proto === 6) return decodeTcp(f, off, end, family, src, dst);
  let decap: Decapsulator | undefined = IP_PROTO_TUNNELS.get(proto);
  let at = off;
  if (proto === 17) {
    if (end < off + 8) return SKIP('not-tcp');
    decap = UDP_PORT_TUNNELS.get(f.readUInt16BE(off + 2));
    at = off + 8;
  }
  if (!decap) return SKIP('not-tcp');
  if (depth >= MAX_TUNNEL_DEPTH) return SKIP('tunnel-too-deep');
  const inner = decap(f, at, end);
  if (typeof inner === 'string') return SKIP(inner);
  depth++;
  return decodeEthertype(f.subarray(0, end), inner.ethertype, inner.off);
}

function decodeIp(f: Buffer, off: number): DecodeResult {
  if (f.length <= off) return SKIP('truncated');
  const v = f[off] >> 4;
  if (v === 4) return decodeIpv4(f, off);
  if (v === 6) return decodeIpv6(f, off);
  return SKIP('not-ip');
}

function decodeIpv4(f: Buffer, off: number): DecodeResult {
  if (f.length < off + 20) return SKIP('truncated');
  const ihl = (f[off] & 0x0f) * 4;
  if (ihl < 20) return SKIP('bad-ip-header');
  const total = f.readUInt16BE(off + 2);
  if (total < ihl) return SKIP('bad-ip-header');
  const fragField = f.readUInt16BE(off + 6);
  // The IP total length bounds the packet (Ethernet pads short frames); a snaplen cut bounds it too.
  const end = Math.min(f.length, off + total);
  if ((fragField & 0x2000) !== 0 || (fragField & 0x1fff) !== 0) {
    if (!carriesTcp(f[off + 9]) || !ctx?.defrag || end < off + ihl) return SKIP('ip-fragment');
    const whole = ctx.defrag.ipv4(f, off, end, ctx.timeMs);
    return whole ? decodeIpv4(whole, 0) : SKIP('ip-fragment');
  }
  if (end < off + ihl) return SKIP('truncated');
  return decodeTransport(f, off + ihl, end, f[off + 9], 4, f.subarray(off + 12, off + 16), f.subarray(off + 16, off + 20));
}

function decodeIpv6(f: Buffer, off: number): DecodeResult {
  if (f.length < off + 40) return SKIP('truncated');
  const payloadLen = f.readUInt16BE(off + 4);
  let next = f[off + 6];
  const src = f.subarray(off + 8, off + 24);
  const dst = f.subarray(off + 24, off + 40);
  // Jumbograms (payload length 0) are not TCP we care about; take what was captured.
  const end = payloadLen === 0 ? f.length : Math.min(f.length, off + 40 + payloadLen);
  let p = off + 40;
  for (let hops = 0; hops < 16; hops++) {
    if (next === 6) return decodeTcp(f, p, end, 6, src, dst);
    if (next === 0 || next === 43 || next === 60) {
      if (end < p + 8) return SKIP('truncated');
      next = f[p];
      p += (f[p + 1] + 1) * 8;
    } else if (next === 44) {
      if (end < p + 8) return SKIP('truncated');
      const fo = f.readUInt16BE(p + 2);
      if ((fo & 0xfff8) !== 0 || (fo & 1) !== 0) {
        if (!ctx?.defrag) return SKIP('ip-fragment');
        const whole = ctx.defrag.ipv6(f, off, p, end, ctx.timeMs);
        return whole ? decodeIpv6(whole, 0) : SKIP('ip-fragment');
      }
      next = f[p];
      p += 8;
    } else if (next === 51) {
      if (end < p + 8) return SKIP('truncated');
      next = f[p];
      p += (f[p + 1] + 2) * 4;
    } else {
      return decodeTransport(f, p, end, next, 6, src, dst);
    }
  }
  return SKIP('bad-ip-header');
}

function decodeTcp(f: Buffer, off: number, end: number, family: 4 | 6, src: Buffer, dst: Buffer): DecodeResult {
  if (end < off + 20) return SKIP('truncated');
  const doff = (f[off + 12] >> 4) * 4;
  if (doff < 20) return SKIP('bad-tcp-header');
  if (end < off + doff) return SKIP('truncated');
  return {
    ok: true,
    pkt: {
      family,
      src,
      dst,
      sport: f.readUInt16BE(off),
      dport: f.readUInt16BE(off + 2),
      seq: f.readUInt32BE(off + 4),
      ack: f.readUInt32BE(off + 8),
      flags: f[off + 13],
      window: f.readUInt16BE(off + 14),
      payload: f.subarray(off + doff, end),
    },
  };
}

/** Text form of an address: dotted quad, or RFC 5952 IPv6 (longest zero run compressed). */
export function formatAddr(b: Buffer): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((b[i] << 8) | b[i + 1]);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  // IPv4-mapped addresses read better as ::ffff:a.b.c.d
  if (bestStart === 0 && bestLen === 5 && words[5] === 0xffff) {
    return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
