// t:name adds a transformation to the rule's chain; t:none clears the chain so far.
import { registerAction, requireValue } from './registry';
import { getTransformation } from '../transformations';

registerAction('t', (rule, v) => {
  const name = requireValue('t', v);
  if (name.toLowerCase() === 'none') { rule.transforms = []; return; }
  const t = getTransformation(name);
  if (!t) throw new Error(`unknown transformation t:${name}`);
  rule.transforms.push(t);
});
