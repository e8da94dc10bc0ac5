// within:N; the previous content ends at most N bytes after the previous match (plus distance).
import { registerKeyword } from './registry';
import { parseNumRef } from './numref';
import { RuleSyntaxError } from '../bytes';

registerKeyword({
  name: 'within',
  setup(b, v) {
    const c = b.lastContent('within');
    const n = parseNumRef(b, v, 'within');
    if (typeof n === 'number' && n < c.pattern.length) throw new RuleSyntaxError(`within ${n} is smaller than the content length ${c.pattern.length}`);
    c.within = n;
  },
});
