// setvar:tx.name=value | =+n | =-n | !tx.name. Name and value may hold macros.
// Example: setvar:'tx.inbound_anomaly_score_pl1=+%{tx.critical_anomaly_score}'
import { registerAction, requireValue } from './registry';
import { compileMacro } from '../macro';

registerAction('setvar', (rule, v) => {
  let spec = requireValue('setvar', v).trim();
  let remove = false;
  if (spec.startsWith('!')) { remove = true; spec = spec.slice(1); }
  const eq = spec.indexOf('=');
  const target = eq < 0 ? spec : spec.slice(0, eq);
  let value = eq < 0 ? '1' : spec.slice(eq + 1);
  const dot = target.indexOf('.');
  if (dot < 0) throw new Error(`setvar "${v}": expected collection.name`);
  const collection = target.slice(0, dot).toUpperCase();
  const name = compileMacro(target.slice(dot + 1));
  let op: '=' | '+' | '-' = '=';
  if (!remove && (value.startsWith('+') || value.startsWith('-'))) {
    op = value[0] as '+' | '-';
    value = value.slice(1);
  }
  const val = compileMacro(value);
  rule.actions.push({
    name: 'setvar',
    run(tx, r) {
      const key = name(tx, r);
      if (remove) { tx.unsetVar(collection, key); return; }
      const x = val(tx, r);
      if (op === '=') { tx.setVar(collection, key, x); return; }
      const cur = parseInt(tx.getVar(collection, key) ?? '0', 10) || 0;
      const delta = parseInt(x, 10) || 0;
      tx.setVar(collection, key, String(op === '+' ? cur + delta : cur - delta));
      if (op === '+' && collection === 'TX' && /anomaly_score_pl\d$/i.test(key)) tx.addPoints(delta);
    },
  });
});
