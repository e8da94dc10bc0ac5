// Disruptive actions: block, pass, deny, drop, allow, redirect, proxy, pause; and status.
// The engine runs in detection mode: the action is reported with the match, never enforced.
import { registerAction } from './registry';

for (const name of ['block', 'pass', 'deny', 'drop', 'allow', 'redirect', 'proxy', 'pause']) {
  registerAction(name, (rule) => { rule.disruptive = name; });
}
registerAction('status', (rule, v) => { rule.status = Number(v); });
