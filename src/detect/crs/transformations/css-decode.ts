// t:cssDecode: CSS 2.x escapes: \ + 1-6 hex digits (last byte used; full-width ASCII folded;
// one following whitespace swallowed), backslash-newline removed, \C -> C.
import { registerTransformation } from './registry';
import * as utilMod from './util';

// Local bindings: per-value code must not call through import bindings (getters once transpiled).
const { hexVal, isHex, isSpace, x2c } = utilMod;

export function cssDecode(s: string): string {
  if (s.indexOf('\\') < 0) return s;
  let out = '';
  const n = s.length;
  let i = 0;
  while (i < n) {
    if (s.charCodeAt(i) !== 92) { out += s[i++]; continue; }
    if (i + 1 >= n) { i++; continue; }
    i++;
    let j = 0;
    while (j < 6 && i + j < n && isHex(s.charCodeAt(i + j))) j++;
    if (j > 0) {
      let d: number;
      let full = false;
      let emit = true;
      if (j === 1) d = hexVal(s.charCodeAt(i));
      else {
        d = x2c(s, i + j - 2);
        if (j === 4) full = true;
        else if (j === 5) full = s[i] === '0';
        else if (j === 6) full = s[i] === '0' && s[i + 1] === '0';
      }
      if (full) {
        if (d > 0 && d < 0x5f && (s.charCodeAt(i + j - 3) | 0x20) === 102 && (s.charCodeAt(i + j - 4) | 0x20) === 102) d += 0x20;
      }
      if (emit) out += String.fromCharCode(d);
      if (i + j < n && isSpace(s.charCodeAt(i + j))) j++;
      i += j;
    } else if (s[i] === '\n') {
      i++;
    } else {
      out += s[i++];
    }
  }
  return out;
}

registerTransformation('cssDecode', cssDecode);
