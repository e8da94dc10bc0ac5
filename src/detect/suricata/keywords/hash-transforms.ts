// to_md5; to_sha1; to_sha256; transforms: replace the sticky buffer with its digest (raw bytes).
import { createHash } from 'crypto';
import { registerTransform } from './transform';

for (const [kw, alg] of [['to_md5', 'md5'], ['to_sha1', 'sha1'], ['to_sha256', 'sha256']] as const) {
  registerTransform(kw, () => ({ key: kw, apply: (b) => createHash(alg).update(b).digest() }));
}
