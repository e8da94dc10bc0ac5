// Byte-level helpers shared by the HTTP/1.x parser modules (Buffers and indices, no regexes).
import { TOKEN_TABLE } from './methods';

export const LF = 10;
export const CR = 13;
export const SP = 32;
export const HT = 9;
export const COLON = 58;

const TOKEN = TOKEN_TABLE;
/** RFC 9110 tchar? */
export const isTokenByte = (b: number): boolean => TOKEN[b] === 1;

type Latin1Sliceable = { latin1Slice(start: number, end: number): string };
/** Bytes [s, e) as a latin1 string (byte-preserving); Buffer#latin1Slice skips toString's checks. */
export const latin1 = (buf: Buffer, s: number, e: number): string => (buf as unknown as Latin1Sliceable).latin1Slice(s, e);

/** Start of a line beginning with "HTTP/" after a line break in d[pos..end), or -1. */
export function findStatusLineStart(d: Buffer, pos: number, end: number): number {
  for (let i = pos; i < end - 5; i++) {
    const c = d[i];
    if ((c === LF || c === CR) && httpPrefix(d, i + 1, end) === 'yes') return i + 1;
  }
  return -1;
}

/** Only SP, HT, CR in a[s..e)? */
export function isBlankish(a: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (a[i] !== SP && a[i] !== HT && a[i] !== CR) return false;
  return true;
}

/** Do the bytes at d[pos..end) start with "HTTP/" (case-insensitive)? 'maybe' when too short to tell. */
export function httpPrefix(d: Buffer, pos: number, end: number): 'yes' | 'no' | 'maybe' {
  const want = [72, 84, 84, 80, 47];
  const n = Math.min(5, end - pos);
  for (let k = 0; k < n; k++) {
    const c = d[pos + k];
    if (c !== want[k] && !(k < 4 && c === want[k] + 32)) return 'no';
  }
  return n === 5 ? 'yes' : 'maybe';
}

/** `token *WS ":"` at a[s..e)? */
export function looksLikeHeaderAt(a: Buffer, s: number, e: number): boolean {
  let i = s;
  while (i < e && isTokenByte(a[i])) i++;
  if (i === s) return false;
  while (i < e && (a[i] === SP || a[i] === HT)) i++;
  return i < e && a[i] === COLON;
}

export function isHttpSlash(a: Buffer, i: number): boolean {
  return (
    (a[i] === 72 || a[i] === 104) &&
    (a[i + 1] === 84 || a[i + 1] === 116) &&
    (a[i + 2] === 84 || a[i + 2] === 116) &&
    (a[i + 3] === 80 || a[i + 3] === 112) &&
    a[i + 4] === 47
  );
}

export function trimmed(a: Buffer, s: number, e: number): string {
  while (s < e && (a[s] === SP || a[s] === HT)) s++;
  while (e > s && (a[e - 1] === SP || a[e - 1] === HT)) e--;
  return latin1(a, s, e);
}

export function nextLineStart(a: Buffer, contentEnd: number, limit: number): number {
  let i = contentEnd;
  while (i < limit && a[i] !== LF) i++;
  return Math.min(limit, i + 1);
}

