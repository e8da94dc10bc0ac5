// @streq: the value equals the argument.
// Example: SecRule REQUEST_LINE "@streq GET /" ...
import { registerStringOp } from './string-compare';

registerStringOp('streq', (s, a) => s === a);
