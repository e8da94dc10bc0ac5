// t:urlDecode: %XX -> byte and '+' -> space; invalid %-sequences are kept as they are.
import { registerTransformation } from './registry';
import * as utilMod from './util';

// Local bindings: per-value code must not call through import bindings (getters once transpiled).
const { isHex, x2c } = utilMod;

export function urlDecode(s: string): string {
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
  let out = '';
  const n = s.length;
  for (let i = 0; i < n; ) {
    const c = s.charCodeAt(i);
    if (c === 37 && i + 2 < n && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) {
      out += String.fromCharCode(x2c(s, i + 1));
      i += 3;
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

registerTransformation('urlDecode', urlDecode);
