// @le: the value, read as an integer, is less than or equal to the argument (macros allowed).
// Example: SecRule REQUEST_BODY_LENGTH "@le 0" ...
import { registerNumeric } from './numeric-compare';

registerNumeric('le', (a, b) => a <= b);
