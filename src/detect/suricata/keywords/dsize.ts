// dsize:<N / >N / N / A<>B; size of the inspected payload (for stream rules: the chunk).
import { RuleSyntaxError } from '../bytes';
import { parseNumCompare } from '../num-compare';
import { registerKeyword } from './registry';

registerKeyword({
  name: 'dsize',
  setup(b, v) {
    if (!v) throw new RuleSyntaxError('dsize needs a value');
    b.dsize = parseNumCompare(v, 'dsize');
  },
});
