// Logging actions: log, nolog (whether a match is reported), auditlog/noauditlog, sanitise*
// (accepted; they only affect audit logs, which this engine does not write).
import { registerAction } from './registry';

registerAction('log', (rule) => { rule.log = true; });
registerAction('nolog', (rule) => { rule.log = false; });
for (const name of ['auditlog', 'noauditlog', 'sanitiseArg', 'sanitiseMatched', 'sanitiseMatchedBytes', 'sanitiseRequestHeader', 'sanitiseResponseHeader']) {
  registerAction(name, () => undefined);
}
