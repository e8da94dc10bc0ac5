// depth:N; the previous content must be found within N bytes from its offset (from buffer start).
import { registerKeyword } from './registry';
import { parseNumRef } from './numref';
import { RuleSyntaxError } from '../bytes';

registerKeyword({
  name: 'depth',
  setup(b, v) {
    const c = b.lastContent('depth');
    const n = parseNumRef(b, v, 'depth');
    if (typeof n === 'number' && n < c.pattern.length) throw new RuleSyntaxError(`depth ${n} is smaller than the content length ${c.pattern.length}`);
    c.depth = n;
  },
});
