// zlib_deflate[: max-size N]; transform: inflates zlib-compressed data in the sticky buffer.
import * as zlib from 'zlib';
import { parseIntStrict, RuleSyntaxError } from '../bytes';
import { registerTransform } from './transform';

registerTransform('zlib_deflate', (v) => {
  let max = 65535;
  if (v) {
    const m = /^max-size\s+(\S+)$/.exec(v.trim());
    if (!m) throw new RuleSyntaxError(`zlib_deflate: unknown option ${v}`);
    max = parseIntStrict(m[1], 'zlib_deflate max-size');
  }
  return {
    key: `zlib_deflate:${max}`,
    apply: (b) => {
      try {
        return zlib.inflateSync(b, { maxOutputLength: max, finishFlush: zlib.constants.Z_SYNC_FLUSH });
      } catch {
        // Output larger than max-size: keep the first max bytes, as Suricata does.
        try {
          const chunks: Buffer[] = [];
          let total = 0;
          const inf = zlib.inflateSync(b, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
          chunks.push(inf);
          total = inf.length;
          return Buffer.concat(chunks, total).subarray(0, max);
        } catch {
          return Buffer.alloc(0);
        }
      }
    },
  };
});
