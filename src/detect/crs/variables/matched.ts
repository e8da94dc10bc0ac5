// MATCHED_VAR, MATCHED_VAR_NAME (the last match) and MATCHED_VARS(_NAMES) (matches of the rule
// chain being evaluated).
import { registerVariable } from './registry';
import * as registryMod from './registry';

// Local bindings: per-value code must not call through import bindings (getters once transpiled).
const { scalar, selectEntries } = registryMod;

registerVariable('MATCHED_VAR', (tx) => scalar('MATCHED_VAR', tx.matchedVar));
registerVariable('MATCHED_VAR_NAME', (tx) => scalar('MATCHED_VAR_NAME', tx.matchedVarName));
registerVariable('MATCHED_VARS', (tx, spec) =>
  selectEntries(tx.matchedVars.map((e) => ({ key: e.key, value: e.value, name: 'MATCHED_VARS:' + e.name, tv: undefined })), spec),
);
registerVariable('MATCHED_VARS_NAMES', (tx, spec) =>
  selectEntries(tx.matchedVars.map((e) => ({ key: e.key, value: e.name, name: 'MATCHED_VARS_NAMES:' + e.name, tv: undefined })), spec),
);
