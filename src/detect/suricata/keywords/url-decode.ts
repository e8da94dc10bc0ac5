// url_decode; transform: decodes %XX escapes and '+' as space in the sticky buffer.
// Example: http.request_body; url_decode; content:"mail=a@b";
import { registerTransform } from './transform';

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

export function urlDecode(buf: Buffer): Buffer {
  const out = Buffer.allocUnsafe(buf.length);
  let j = 0;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (c === 0x25 && i + 2 < buf.length) {
      const h = hexVal(buf[i + 1]);
      const l = hexVal(buf[i + 2]);
      if (h >= 0 && l >= 0) {
        out[j++] = (h << 4) | l;
        i += 2;
        continue;
      }
    }
    out[j++] = c === 0x2b ? 0x20 : c;
  }
  return out.subarray(0, j);
}

registerTransform('url_decode', () => ({ key: 'url_decode', apply: urlDecode }));
