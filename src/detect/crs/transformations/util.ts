// Byte helpers shared by the decoding transformations (latin1 strings: one char per byte).

export function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

export function hexVal(c: number): number {
  return c <= 57 ? c - 48 : (c | 0x20) - 87;
}

/** Two hex digits at i -> byte. */
export function x2c(s: string, i: number): number {
  return (hexVal(s.charCodeAt(i)) << 4) | hexVal(s.charCodeAt(i + 1));
}

/** C isspace(): space, \t, \n, \v, \f, \r. */
export function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

export function isOctal(c: number): boolean {
  return c >= 48 && c <= 55;
}

/** Builds a latin1 string from byte codes in chunks (avoids huge argument lists). */
export function fromCodes(codes: number[]): string {
  let out = '';
  for (let i = 0; i < codes.length; i += 8192) out += String.fromCharCode(...codes.slice(i, i + 8192));
  return out;
}

/** ASCII-only lower-casing, as C tolower() in the C locale. */
export function asciiLower(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(s)) return s.toLowerCase();
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= 65 && c <= 90 ? String.fromCharCode(c + 32) : s[i];
  }
  return out;
}
