// @ge: the value, read as an integer, is greater than or equal to the argument (macros allowed).
// Example: SecRule TX:DETECTION_PARANOIA_LEVEL "@ge 2" ...
import { registerNumeric } from './numeric-compare';

registerNumeric('ge', (a, b) => a >= b);
