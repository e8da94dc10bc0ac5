// bsize:N / <N / >N / A<>B; length of the current sticky buffer.
import { RuleSyntaxError } from '../bytes';
import { parseNumCompare } from '../num-compare';
import { registerKeyword } from './registry';

registerKeyword({
  name: 'bsize',
  setup(b, v) {
    if (!v) throw new RuleSyntaxError('bsize needs a value');
    if (!b.hasSticky()) throw new RuleSyntaxError('bsize needs a sticky buffer');
    b.addItem({ kind: 'bsize', cmp: parseNumCompare(v, 'bsize') });
  },
});
