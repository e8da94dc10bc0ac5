// Loads the compiled addon (native/build/Release/proctap.node). Each feature file of native/ adds
// its exports; their TypeScript shapes are declared by the modules that use them.
import * as path from 'path';
import { packageRoot } from '../util/package-root';

export interface AddonBase {
  /** Names of the native features compiled in (e.g. 'capture', 'libinjection', 'hyperscan'). */
  features: string[];
}

let addon: (AddonBase & Record<string, unknown>) | undefined;

export function loadAddon(): AddonBase & Record<string, unknown> {
  if (addon) return addon;
  const file = path.join(packageRoot(), 'native', 'build', 'Release', 'proctap.node');
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    addon = require(file) as AddonBase & Record<string, unknown>;
  } catch (err) {
    throw new Error(`cannot load the native addon ${file} (run \`make build\`): ${(err as Error).message}`);
  }
  return addon;
}
