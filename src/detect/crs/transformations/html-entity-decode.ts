// t:htmlEntityDecode: &#DD;, &#xHH; (semicolon optional; value's low byte), and the named
// entities quot, amp, lt, gt, nbsp, as ModSecurity decodes them.
import { registerTransformation } from './registry';
import * as utilMod from './util';

// Local bindings: per-value code must not call through import bindings (getters once transpiled).
const { isHex } = utilMod;

const NAMED: Record<string, string> = { quot: '"', amp: '&', lt: '<', gt: '>', nbsp: '\xa0' };

function lowByte(digits: string, radix: number): number {
  const v = parseInt(digits, radix);
  // strtol saturates at LONG_MAX, whose low byte is 0xff.
  return Number.isSafeInteger(v) ? v & 0xff : 0xff;
}

export function htmlEntityDecode(s: string): string {
  if (s.indexOf('&') < 0) return s;
  let out = '';
  const n = s.length;
  let i = 0;
  while (i < n) {
    if (s.charCodeAt(i) === 38 && i + 1 < n) {
      if (s[i + 1] === '#') {
        if (i + 2 < n) {
          const x = s[i + 2];
          if (x === 'x' || x === 'X') {
            if (i + 3 < n) {
              let j = i + 3;
              while (j < n && isHex(s.charCodeAt(j))) j++;
              if (j > i + 3) {
                out += String.fromCharCode(lowByte(s.slice(i + 3, j), 16));
                i = j < n && s[j] === ';' ? j + 1 : j;
                continue;
              }
            }
            out += s.slice(i, i + 3);
            i += 3;
            continue;
          }
          let j = i + 2;
          while (j < n && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++;
          if (j > i + 2) {
            out += String.fromCharCode(lowByte(s.slice(i + 2, j), 10));
            i = j < n && s[j] === ';' ? j + 1 : j;
            continue;
          }
        }
        out += s.slice(i, i + 2);
        i += 2;
        continue;
      }
      let j = i + 1;
      while (j < n && /[A-Za-z0-9]/.test(s[j])) j++;
      if (j > i + 1) {
        const rep = NAMED[s.slice(i + 1, j).toLowerCase()];
        if (rep !== undefined) {
          out += rep;
          i = j < n && s[j] === ';' ? j + 1 : j;
          continue;
        }
        out += s.slice(i, j + (j < n ? 1 : 0));
        i = j + (j < n ? 1 : 0);
        continue;
      }
    }
    out += s[i];
    i++;
  }
  return out;
}

registerTransformation('htmlEntityDecode', htmlEntityDecode);
