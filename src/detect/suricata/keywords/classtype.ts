// classtype:name; category (EVE alert.category) and default priority, from the classification table.
// Example: classtype:trojan-activity;
import { RuleSyntaxError } from '../bytes';
import { registerKeyword } from './registry';

registerKeyword({
  name: 'classtype',
  setup(b, v) {
    if (!v) throw new RuleSyntaxError('classtype needs a value');
    b.classtype = v.trim();
  },
});
