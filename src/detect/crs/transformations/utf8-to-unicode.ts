// t:utf8toUnicode: each valid multi-byte UTF-8 sequence becomes %uHHHH (lower-case hex);
// ASCII and invalid bytes are copied unchanged.
import { registerTransformation } from './registry';

export function utf8toUnicode(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(s)) return s;
  let out = '';
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    let len = 0;
    let cp = 0;
    if (c >= 0xc2 && c <= 0xdf) { len = 2; cp = c & 0x1f; }
    else if (c >= 0xe0 && c <= 0xef) { len = 3; cp = c & 0x0f; }
    else if (c >= 0xf0 && c <= 0xf4) { len = 4; cp = c & 0x07; }
    if (len > 0 && i + len <= n) {
      let ok = true;
      for (let k = 1; k < len; k++) {
        const b = s.charCodeAt(i + k);
        if ((b & 0xc0) !== 0x80) { ok = false; break; }
        cp = (cp << 6) | (b & 0x3f);
      }
      if (ok) {
        out += '%u' + cp.toString(16).padStart(4, '0');
        i += len;
        continue;
      }
    }
    out += s[i++];
  }
  return out;
}

registerTransformation('utf8toUnicode', utf8toUnicode);
