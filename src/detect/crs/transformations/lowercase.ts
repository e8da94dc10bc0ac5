// t:lowercase: ASCII letters to lower case (bytes >= 0x80 unchanged, as C tolower()).
// Example: SecRule ARGS "@rx select" "id:1,t:lowercase"
import { registerTransformation } from './registry';
import * as utilMod from './util';

// Local bindings: per-value code must not call through import bindings (getters once transpiled).
const { asciiLower } = utilMod;

registerTransformation('lowercase', asciiLower);
