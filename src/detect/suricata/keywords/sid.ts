// sid:N; the signature id (EVE alert.signature_id).
import { parseIntStrict, RuleSyntaxError } from '../bytes';
import { registerKeyword } from './registry';

registerKeyword({
  name: 'sid',
  setup(b, v) {
    if (v === undefined) throw new RuleSyntaxError('sid needs a value');
    const n = parseIntStrict(v, 'sid');
    if (n <= 0) throw new RuleSyntaxError(`sid must be positive, got ${v}`);
    b.sid = n;
  },
});
