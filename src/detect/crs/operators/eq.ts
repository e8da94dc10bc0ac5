// @eq: the value, read as an integer, is equal to the argument (macros allowed).
// Example: SecRule &TX:paranoia_level "@eq 0" ...
import { registerNumeric } from './numeric-compare';

registerNumeric('eq', (a, b) => a === b);
