// Loads every operator so each registers itself.
import './rx';
import './pm';
import './pm-from-file';
import './numeric';
import './string-ops';
import './ip-match';
import './validate-byte-range';
import './validate-url-encoding';
import './validate-utf8-encoding';
import './detect-sqli';
import './detect-xss';
import './constant';
import './offline-lookups';

export { createOperator } from './registry';
export type { Operator } from './registry';
