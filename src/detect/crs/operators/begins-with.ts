// @beginsWith: the value starts with the argument.
// Example: SecRule REQUEST_URI "@beginsWith /admin" ...
import { registerStringOp } from './string-compare';

registerStringOp('beginsWith', (s, a) => s.startsWith(a));
