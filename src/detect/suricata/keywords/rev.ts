// rev:N; the signature revision.
import { parseIntStrict, RuleSyntaxError } from '../bytes';
import { registerKeyword } from './registry';

registerKeyword({
  name: 'rev',
  setup(b, v) {
    if (v === undefined) throw new RuleSyntaxError('rev needs a value');
    b.rev = parseIntStrict(v, 'rev');
  },
});
