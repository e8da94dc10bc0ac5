// @endsWith: the value ends with the argument.
// Example: SecRule REQUEST_FILENAME "@endsWith .php" ...
import { registerStringOp } from './string-compare';

registerStringOp('endsWith', (s, a) => s.endsWith(a));
