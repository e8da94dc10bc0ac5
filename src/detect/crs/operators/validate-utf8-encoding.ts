// @validateUtf8Encoding: matches when the bytes are not valid UTF-8 (truncated or invalid
// sequences, overlong forms, surrogates, code points above U+10FFFF).
import { registerOperator } from './registry';

export function isValidUtf8(s: string): boolean {
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 0x80) { i++; continue; }
    let len: number;
    let min: number;
    let cp: number;
    if ((c & 0xe0) === 0xc0) { len = 2; min = 0x80; cp = c & 0x1f; }
    else if ((c & 0xf0) === 0xe0) { len = 3; min = 0x800; cp = c & 0x0f; }
    else if ((c & 0xf8) === 0xf0) { len = 4; min = 0x10000; cp = c & 0x07; }
    else return false;
    if (i + len > n) return false;
    for (let k = 1; k < len; k++) {
      const b = s.charCodeAt(i + k);
      if ((b & 0xc0) !== 0x80) return false;
      cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

registerOperator('validateUtf8Encoding', (arg) => ({
  name: 'validateUtf8Encoding',
  arg,
  evaluate(_tx: unknown, v: { s: string }) {
    return !isValidUtf8(v.s);
  },
}));
