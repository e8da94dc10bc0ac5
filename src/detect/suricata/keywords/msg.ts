// msg:"text"; the alert's signature text (EVE alert.signature).
// Example: msg:"ET EXPLOIT Apache Struts RCE";
import { RuleSyntaxError, unescapeText, unquote } from '../bytes';
import { registerKeyword } from './registry';

registerKeyword({
  name: 'msg',
  setup(b, v) {
    if (v === undefined) throw new RuleSyntaxError('msg needs a value');
    b.msg = unescapeText(unquote(v));
  },
});
