// @within: the value occurs inside the argument.
// Example: SecRule REQUEST_METHOD "!@within %{tx.allowed_methods}" ...
import { registerStringOp } from './string-compare';

registerStringOp('within', (s, a) => a.includes(s));
