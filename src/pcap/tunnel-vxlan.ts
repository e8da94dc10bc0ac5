// VXLAN (RFC 7348) over UDP 4789: an 8-byte header whose I flag says the VNI is valid, then an
// Ethernet frame.
import type { DecodeSkip } from './decode';
import type { Encapsulated } from './tunnel';

export function decapVxlan(f: Buffer, off: number, end: number): Encapsulated | DecodeSkip {
  if (end < off + 8) return 'truncated';
  // Without the I flag it is not VXLAN (any UDP can use the port): leave it as plain UDP.
  if ((f[off] & 0x08) === 0) return 'not-tcp';
  return { ethertype: 0x6558, off: off + 8 };
}
