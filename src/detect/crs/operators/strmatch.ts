// @strmatch: the value contains the argument (ModSecurity's Boyer-Moore variant of @contains).
// Example: SecRule ARGS "@strmatch WebZIP" ...
import { registerStringOp } from './string-compare';

registerStringOp('strmatch', (s, a) => s.includes(a));
