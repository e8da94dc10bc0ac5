// initcol (creates a persistent-style collection, here per transaction), expirevar (accepted:
// nothing outlives the transaction), setenv, setuid/setsid.
import { registerAction, requireValue } from './registry';
import { compileMacro } from '../macro';

registerAction('initcol', (rule, v) => {
  const spec = requireValue('initcol', v);
  const name = spec.split('=')[0].trim().toUpperCase();
  rule.actions.push({ name: 'initcol', run(tx) { tx.initCollection(name); } });
});
registerAction('expirevar', () => undefined);
registerAction('setenv', (rule, v) => {
  const spec = requireValue('setenv', v);
  const eq = spec.indexOf('=');
  const key = eq < 0 ? spec : spec.slice(0, eq);
  const val = compileMacro(eq < 0 ? '1' : spec.slice(eq + 1));
  rule.actions.push({ name: 'setenv', run(tx, r) { tx.setEnv(key, val(tx, r)); } });
});
for (const name of ['setuid', 'setsid', 'setrsc', 'deprecatevar', 'append', 'prepend', 'xmlns']) {
  registerAction(name, () => undefined);
}
registerAction('exec', (_r, v) => {
  throw new Error(`action exec:${v ?? ''} is not supported (runs external scripts)`);
});
