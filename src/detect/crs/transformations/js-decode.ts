// t:jsDecode: JavaScript escapes \uHHHH (low byte; full-width ASCII folded), \xHH, \OOO and
// \C (\n, \t, ...; any other escaped char loses its backslash).
import { registerTransformation } from './registry';
import * as utilMod from './util';

// Local bindings: per-value code must not call through import bindings (getters once transpiled).
const { isHex, isOctal, x2c } = utilMod;

const SIMPLE: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

export function jsDecode(s: string): string {
  if (s.indexOf('\\') < 0) return s;
  let out = '';
  const n = s.length;
  let i = 0;
  while (i < n) {
    if (s.charCodeAt(i) !== 92) { out += s[i++]; continue; }
    const c1 = s[i + 1];
    if (i + 5 < n && c1 === 'u' && isHex(s.charCodeAt(i + 2)) && isHex(s.charCodeAt(i + 3)) && isHex(s.charCodeAt(i + 4)) && isHex(s.charCodeAt(i + 5))) {
      let b = x2c(s, i + 4);
      if (b > 0 && b < 0x5f && (s.charCodeAt(i + 2) | 0x20) === 102 && (s.charCodeAt(i + 3) | 0x20) === 102) b += 0x20;
      out += String.fromCharCode(b);
      i += 6;
    } else if (i + 3 < n && c1 === 'x' && isHex(s.charCodeAt(i + 2)) && isHex(s.charCodeAt(i + 3))) {
      out += String.fromCharCode(x2c(s, i + 2));
      i += 4;
    } else if (i + 1 < n && isOctal(s.charCodeAt(i + 1))) {
      let j = 0;
      let buf = '';
      while (i + 1 + j < n && j < 3) {
        buf += s[i + 1 + j];
        j++;
        if (!isOctal(s.charCodeAt(i + 1 + j))) break;
      }
      if (j === 3 && buf.charCodeAt(0) > 51) { j = 2; buf = buf.slice(0, 2); }
      out += String.fromCharCode(parseInt(buf, 8) & 0xff);
      i += 1 + j;
    } else if (i + 1 < n) {
      out += SIMPLE[c1] ?? c1;
      i += 2;
    } else {
      out += s.slice(i);
      i = n;
    }
  }
  return out;
}

registerTransformation('jsDecode', jsDecode);
