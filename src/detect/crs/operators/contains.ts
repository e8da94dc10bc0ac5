// @contains: the value contains the argument.
// Example: SecRule REQUEST_HEADERS:Accept "@contains */*" ...
import { registerStringOp } from './string-compare';

registerStringOp('contains', (s, a) => s.includes(a));
