// t:normalizePathWin (alias normalisePathWin): backslashes to slashes, then normalizePath.
import { registerTransformation } from './registry';
import * as normalizePathMod from './normalize-path';

// Local bindings: per-value code must not call through import bindings (getters once transpiled).
const { normalizePath } = normalizePathMod;

const win = (s: string): string => normalizePath(s.indexOf('\\') < 0 ? s : s.replace(/\\/g, '/'));
registerTransformation('normalizePathWin', win);
registerTransformation('normalisePathWin', win);
