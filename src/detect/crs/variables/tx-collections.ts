// Persistent-style collections set by rules: TX (per transaction), and IP/GLOBAL/SESSION/USER/
// RESOURCE (created by initcol; kept per transaction here, since the sensor keeps no shared store).
import { registerVariable } from './registry';
import * as registryMod from './registry';

// Local bindings: per-value code must not call through import bindings (getters once transpiled).
const { selectEntries } = registryMod;

for (const name of ['TX', 'IP', 'GLOBAL', 'SESSION', 'USER', 'RESOURCE']) {
  registerVariable(name, (tx, spec) => {
    if (spec.key !== undefined) {
      // the common case (TX:paranoia_level): one map lookup, no scan, no allocation
      return tx.varList(name, spec.keyLower ?? (spec.keyLower = spec.key.toLowerCase()));
    }
    return selectEntries(tx.varEntries(name), spec);
  });
}
