// priority:N; overrides the classtype's priority (EVE alert.severity), 1 (high) .. 255.
import { parseIntStrict, RuleSyntaxError } from '../bytes';
import { registerKeyword } from './registry';

registerKeyword({
  name: 'priority',
  setup(b, v) {
    if (v === undefined) throw new RuleSyntaxError('priority needs a value');
    const n = parseIntStrict(v, 'priority');
    if (n < 1 || n > 255) throw new RuleSyntaxError(`priority out of range: ${v}`);
    b.priority = n;
  },
});
