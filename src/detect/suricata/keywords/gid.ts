// gid:N; the generator id (default 1).
import { parseIntStrict, RuleSyntaxError } from '../bytes';
import { registerKeyword } from './registry';

registerKeyword({
  name: 'gid',
  setup(b, v) {
    if (v === undefined) throw new RuleSyntaxError('gid needs a value');
    b.gid = parseIntStrict(v, 'gid');
  },
});
