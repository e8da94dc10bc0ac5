// Base64 decoding as Suricata's decoder does it: RFC 4648 (stop at the first invalid byte), RFC 2045
// (skip invalid bytes) and strict (fail on any invalid byte); a trailing partial group yields what it can.
export type Base64Mode = 'rfc4648' | 'rfc2045' | 'strict';

const VAL = new Int16Array(256).fill(-1);
const ALPHA = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
for (let i = 0; i < 64; i++) VAL[ALPHA.charCodeAt(i)] = i;

export function base64Decode(src: Buffer, mode: Base64Mode = 'rfc4648'): Buffer | undefined {
  const out: number[] = [];
  let acc = 0;
  let n = 0;
  for (const c of src) {
    if (c === 0x3d) break; // '=' padding ends the data
    const v = VAL[c];
    if (v < 0) {
      if (mode === 'rfc2045') continue;
      if (mode === 'strict') return undefined;
      break;
    }
    acc = (acc << 6) | v;
    n++;
    if (n === 4) {
      out.push((acc >> 16) & 0xff, (acc >> 8) & 0xff, acc & 0xff);
      acc = 0;
      n = 0;
    }
  }
  if (n === 2) out.push((acc >> 4) & 0xff);
  else if (n === 3) out.push((acc >> 10) & 0xff, (acc >> 2) & 0xff);
  return Buffer.from(out);
}
