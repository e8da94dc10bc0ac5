// One-shot binary digests of latin1 text, for t:sha1 and t:md5. crypto.hash() (Node >= 20.12)
// costs about a third of createHash().update().digest(), which allocates a Hash object per call.
import * as crypto from 'crypto';

type OneShot = (algorithm: string, data: Buffer, encoding: 'latin1') => string;
const oneShot = (crypto as unknown as { hash?: OneShot }).hash;

export function digestLatin1(algorithm: 'sha1' | 'md5', s: string): string {
  const data = Buffer.from(s, 'latin1');
  if (oneShot !== undefined) return oneShot(algorithm, data, 'latin1');
  return crypto.createHash(algorithm).update(data).digest().toString('latin1');
}
