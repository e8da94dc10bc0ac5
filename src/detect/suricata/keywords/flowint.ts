// flowint:NAME,OP[,VALUE]; per-flow integers. +, -, = change the variable when the rule matches;
// ==, !=, <, >, <=, >=, isset, notset are conditions. Example: flowint:ET.downloads,+,1;
import { parseIntStrict, RuleSyntaxError } from '../bytes';
import type { FlowintOp } from '../types';
import { registerKeyword } from './registry';

const OPS = new Set(['+', '-', '=', '==', '!=', '<', '>', '<=', '>=', 'isset', 'notset', 'isnotset']);

registerKeyword({
  name: 'flowint',
  setup(b, v) {
    const parts = (v ?? '').split(',').map((s) => s.trim());
    const [name, rawOp, val] = parts;
    if (!name || !rawOp || !OPS.has(rawOp)) throw new RuleSyntaxError(`flowint needs NAME,OP[,VALUE]: ${v}`);
    const op = (rawOp === 'isnotset' ? 'notset' : rawOp) as FlowintOp['op'];
    if (op === 'isset' || op === 'notset') {
      if (parts.length !== 2) throw new RuleSyntaxError(`flowint:${name},${op} takes no value`);
      b.flowint.push({ name, op });
      return;
    }
    if (parts.length !== 3 || !val) throw new RuleSyntaxError(`flowint:${name},${op} needs a value`);
    const value = /^-?\d+$/.test(val) ? parseIntStrict(val, 'flowint value') : val;
    b.flowint.push({ name, op, value });
  },
});
