// Metadata actions: id, phase, msg, logdata, severity, tag, ver, rev, maturity, accuracy.
import { registerAction, requireValue } from './registry';
import { SEVERITIES } from '../rule';

const PHASES: Record<string, number> = { request: 2, response: 4, logging: 5 };

registerAction('id', (rule, v) => {
  const id = Number(requireValue('id', v));
  if (!Number.isInteger(id) || id <= 0) throw new Error(`bad rule id "${v}"`);
  rule.id = id;
});
registerAction('phase', (rule, v) => {
  const s = requireValue('phase', v).toLowerCase();
  const p = PHASES[s] ?? Number(s);
  if (!Number.isInteger(p) || p < 1 || p > 5) throw new Error(`bad phase "${v}"`);
  rule.phase = p;
});
registerAction('msg', (rule, v) => { rule.msg = v ?? ''; });
registerAction('logdata', (rule, v) => { rule.logdata = v ?? ''; });
registerAction('severity', (rule, v) => {
  const s = requireValue('severity', v);
  const n = /^\d+$/.test(s) ? Number(s) : SEVERITIES[s.toUpperCase()];
  if (n === undefined || n < 0 || n > 7) throw new Error(`bad severity "${s}"`);
  rule.severity = n;
});
registerAction('tag', (rule, v) => {
  const t = v ?? '';
  rule.tags.push(t);
  const m = /^paranoia-level\/(\d)$/.exec(t);
  if (m) rule.paranoia = Number(m[1]);
});
registerAction('ver', (rule, v) => { rule.ver = v; });
registerAction('rev', (rule, v) => { rule.rev = v; });
registerAction('maturity', (rule, v) => { rule.maturity = Number(v); });
registerAction('accuracy', (rule, v) => { rule.accuracy = Number(v); });
