// Flow actions: chain, skip, skipAfter.
import { registerAction, requireValue } from './registry';

registerAction('chain', (rule) => { rule.hasChain = true; });
registerAction('skipAfter', (rule, v) => { rule.skipAfter = requireValue('skipAfter', v); });
registerAction('skip', (rule, v) => {
  const n = Number(requireValue('skip', v));
  if (!Number.isInteger(n) || n < 1) throw new Error(`bad skip count "${v}"`);
  rule.skip = n;
});
