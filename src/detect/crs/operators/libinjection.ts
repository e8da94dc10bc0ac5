// Access to the libinjection binding of the native addon (native/src/libinjection.cc).
import { loadAddon } from '../../../native/addon';

export interface Libinjection {
  detectSqli(buf: Buffer): string | null;
  detectXss(buf: Buffer): boolean;
  version: string;
}

let cached: Libinjection | undefined;

export function libinjection(): Libinjection {
  if (cached) return cached;
  const addon = loadAddon();
  const li = addon.libinjection as Libinjection | undefined;
  if (!li) throw new Error('the native addon was built without libinjection (libmodsecurity3 missing)');
  cached = li;
  return li;
}
