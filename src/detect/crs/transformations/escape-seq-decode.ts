// t:escapeSeqDecode: ANSI C escapes (\n, \xHH, \OOO, ...); an unknown escape keeps the char.
import { registerTransformation } from './registry';
import * as utilMod from './util';

// Local bindings: per-value code must not call through import bindings (getters once transpiled).
const { isHex, isOctal, x2c } = utilMod;

const SIMPLE: Record<string, string> = {
  a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '?': '?', "'": "'", '"': '"',
};

export function escapeSeqDecode(s: string): string {
  if (s.indexOf('\\') < 0) return s;
  let out = '';
  const n = s.length;
  let i = 0;
  while (i < n) {
    if (s[i] !== '\\' || i + 1 >= n) { out += s[i++]; continue; }
    const c1 = s[i + 1];
    const simple = SIMPLE[c1];
    if (simple !== undefined) { out += simple; i += 2; continue; }
    if ((c1 === 'x' || c1 === 'X') && i + 3 < n && isHex(s.charCodeAt(i + 2)) && isHex(s.charCodeAt(i + 3))) {
      out += String.fromCharCode(x2c(s, i + 2));
      i += 4;
      continue;
    }
    if (isOctal(s.charCodeAt(i + 1))) {
      let j = 0;
      let buf = '';
      while (i + 1 + j < n && j < 3) {
        buf += s[i + 1 + j];
        j++;
        if (!isOctal(s.charCodeAt(i + 1 + j))) break;
      }
      out += String.fromCharCode(parseInt(buf, 8) & 0xff);
      i += 1 + j;
      continue;
    }
    out += c1;
    i += 2;
  }
  return out;
}

registerTransformation('escapeSeqDecode', escapeSeqDecode);
