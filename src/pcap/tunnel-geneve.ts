// Geneve (RFC 8926) over UDP 6081: an 8-byte header plus variable options, then a frame named by
// an ethertype (0x6558: Ethernet; 0x0800/0x86dd: IP directly).
import type { DecodeSkip } from './decode';
import type { Encapsulated } from './tunnel';

export function decapGeneve(f: Buffer, off: number, end: number): Encapsulated | DecodeSkip {
  if (end < off + 8) return 'truncated';
  if (f[off] >> 6 !== 0) return 'bad-tunnel-header'; // only version 0 is defined
  const optLen = (f[off] & 0x3f) * 4;
  const p = off + 8 + optLen;
  if (end < p) return 'truncated';
  return { ethertype: f.readUInt16BE(off + 2), off: p };
}
