// Loads every operator so each registers itself.
import './rx';
import './pm';
import './pm-from-file';
import './eq';
import './ge';
import './gt';
import './lt';
import './le';
import './streq';
import './contains';
import './contains-word';
import './strmatch';
import './begins-with';
import './ends-with';
import './within';
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
