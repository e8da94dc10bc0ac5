// @gt: the value, read as an integer, is greater than the argument (macros allowed).
// Example: SecRule &ARGS "@gt %{tx.max_num_args}" ...
import { registerNumeric } from './numeric-compare';

registerNumeric('gt', (a, b) => a > b);
