// t:normalizePathWin (alias normalisePathWin): backslashes to slashes, then normalizePath.
import { registerTransformation } from './registry';
import { normalizePath } from './normalize-path';

const win = (s: string): string => normalizePath(s.indexOf('\\') < 0 ? s : s.replace(/\\/g, '/'));
registerTransformation('normalizePathWin', win);
registerTransformation('normalisePathWin', win);
