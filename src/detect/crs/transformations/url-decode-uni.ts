// t:urlDecodeUni: like urlDecode, plus IIS-style %uHHHH, which decodes to its low byte
// (full-width ASCII U+FF01-U+FF5E to its ASCII counterpart), as ModSecurity does without a map.
import { registerTransformation } from './registry';
import * as utilMod from './util';

// Local bindings: per-value code must not call through import bindings (getters once transpiled).
const { isHex, x2c } = utilMod;

export function urlDecodeUni(s: string): string {
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
  let out = '';
  const n = s.length;
  for (let i = 0; i < n; ) {
    const c = s.charCodeAt(i);
    if (c === 37) {
      const u = s.charCodeAt(i + 1);
      if (i + 1 < n && (u === 117 || u === 85)) {
        if (i + 5 < n && isHex(s.charCodeAt(i + 2)) && isHex(s.charCodeAt(i + 3)) && isHex(s.charCodeAt(i + 4)) && isHex(s.charCodeAt(i + 5))) {
          let b = x2c(s, i + 4);
          const h1 = s.charCodeAt(i + 2) | 0x20;
          const h2 = s.charCodeAt(i + 3) | 0x20;
          if (b > 0 && b < 0x5f && h1 === 102 && h2 === 102) b += 0x20;
          out += String.fromCharCode(b);
          i += 6;
        } else {
          out += s[i] + s[i + 1];
          i += 2;
        }
      } else if (i + 2 < n && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) {
        out += String.fromCharCode(x2c(s, i + 1));
        i += 3;
      } else {
        out += '%';
        i++;
      }
    } else if (c === 43) {
      out += ' ';
      i++;
    } else {
      out += s[i];
      i++;
    }
  }
  return out;
}

registerTransformation('urlDecodeUni', urlDecodeUni);
