// The package root, found by walking up to package.json: works from src/ (tsx) and dist/ (compiled).
import * as fs from 'fs';
import * as path from 'path';

let cached: string | undefined;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = __dirname;
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj)) {
      try {
        if ((JSON.parse(fs.readFileSync(pj, 'utf8')) as { name?: string }).name === 'proctap') {
          cached = dir;
          return dir;
        }
      } catch {
        /* keep walking */
      }
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error('proctap: cannot find the package root from ' + __dirname);
    dir = up;
  }
}
