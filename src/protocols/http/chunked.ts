// Chunk-size lines of chunked bodies (RFC 9112 section 7.1), strict and lenient readings.
import * as bytes from './bytes';

// Local bindings: hot loops must not go through import bindings (getters once transpiled).
const { SP, HT, CR } = bytes;

/**
 * Chunk size: hex digits, optional whitespace, optional `;extensions`. Returns the size, or -1 when
 * there are no hex digits at all. Leading whitespace/control bytes and trailing junk are accepted
 * (as browsers do) but reported through `strict = false` in chunkSizeStrict.
 */
export function parseChunkSize(a: Buffer, s: number, e: number): number {
  let i = s;
  while (i < e && (a[i] === SP || a[i] === HT || a[i] === CR || a[i] === 11 || a[i] === 12)) i++;
  let v = 0;
  let digits = 0;
  for (; i < e; i++) {
    const c = a[i];
    let h: number;
    if (c >= 48 && c <= 57) h = c - 48;
    else if (c >= 97 && c <= 102) h = c - 87;
    else if (c >= 65 && c <= 70) h = c - 55;
    else break;
    if (++digits > 13) return -1; // beyond 2^52: no real chunk is that large
    v = v * 16 + h;
  }
  if (digits === 0) return -1;
  return v;
}

/** Is the chunk-size line exactly `1*HEXDIG *WS [";" ext]`? */
export function chunkSizeStrict(a: Buffer, s: number, e: number): boolean {
  let i = s;
  while (i < e && ((a[i] >= 48 && a[i] <= 57) || ((a[i] | 0x20) >= 97 && (a[i] | 0x20) <= 102))) i++;
  if (i === s) return false;
  while (i < e && (a[i] === SP || a[i] === HT)) i++;
  return i === e || a[i] === 59;
}
