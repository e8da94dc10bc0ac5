// absent; / absent: or_else; the sticky buffer must not exist in the transaction (or_else: or the
// keywords that follow must match it). Example: http.request_body; absent;
import { RuleSyntaxError } from '../bytes';
import { registerKeyword } from './registry';

registerKeyword({
  name: 'absent',
  setup(b, v) {
    if (v !== undefined && v.trim() !== 'or_else') throw new RuleSyntaxError(`absent: unexpected value ${v}`);
    b.setAbsent(v === undefined ? 'absent' : 'or_else');
  },
});
