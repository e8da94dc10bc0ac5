// flowbits:set,name; flowbits:isset,a|b; flowbits:isnotset,name; unset; toggle; flowbits:noalert;
// Named bits stored per flow, set by one rule and tested by another (e.g. request then response).
import { RuleSyntaxError } from '../bytes';
import type { FlowbitsOp } from '../types';
import { registerKeyword } from './registry';

const CMDS = new Set(['set', 'unset', 'toggle', 'isset', 'isnotset']);

registerKeyword({
  name: 'flowbits',
  setup(b, v) {
    if (!v) throw new RuleSyntaxError('flowbits needs a value');
    const comma = v.indexOf(',');
    const cmd = (comma < 0 ? v : v.slice(0, comma)).trim().toLowerCase();
    if (cmd === 'noalert') {
      b.noalert = true;
      return;
    }
    if (!CMDS.has(cmd)) throw new RuleSyntaxError(`flowbits: unknown command ${cmd}`);
    if (comma < 0) throw new RuleSyntaxError(`flowbits:${cmd} needs a name`);
    const rest = v.slice(comma + 1).trim();
    const join: '|' | '&' = rest.includes('&') ? '&' : '|';
    const names = rest.split(/[|&]/).map((s) => s.trim()).filter(Boolean);
    if (!names.length) throw new RuleSyntaxError(`flowbits:${cmd} needs a name`);
    b.flowbits.push({ cmd: cmd as FlowbitsOp['cmd'], names, join });
  },
});
