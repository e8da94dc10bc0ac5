// @lt: the value, read as an integer, is less than the argument (macros allowed).
// Example: SecRule TX:DETECTION_PARANOIA_LEVEL "@lt 2" ...
import { registerNumeric } from './numeric-compare';

registerNumeric('lt', (a, b) => a < b);
