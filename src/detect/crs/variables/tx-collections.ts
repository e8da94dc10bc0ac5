// Persistent-style collections set by rules: TX (per transaction), and IP/GLOBAL/SESSION/USER/
// RESOURCE (created by initcol; kept per transaction here, since the sensor keeps no shared store).
import { registerVariable, selectEntries } from './registry';

for (const name of ['TX', 'IP', 'GLOBAL', 'SESSION', 'USER', 'RESOURCE']) {
  registerVariable(name, (tx, spec) => selectEntries(tx.varEntries(name), spec));
}
