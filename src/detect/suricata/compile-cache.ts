// Where compiled artefacts are cached between runs (Hyperscan databases, RE2 verdicts):
// PROCTAP_HS_CACHE=<dir> chooses the directory, PROCTAP_HS_CACHE= (empty) turns caching off.
import * as os from 'os';
import * as path from 'path';

export function cacheDir(): string | undefined {
  const env = process.env.PROCTAP_HS_CACHE;
  if (env === '') return undefined;
  return env ?? path.join(os.tmpdir(), `proctap-hs-cache-${process.getuid?.() ?? 0}`);
}
