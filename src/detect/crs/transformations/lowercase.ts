// t:lowercase: ASCII letters to lower case (bytes >= 0x80 unchanged, as C tolower()).
// Example: SecRule ARGS "@rx select" "id:1,t:lowercase"
import { registerTransformation } from './registry';
import { asciiLower } from './util';

registerTransformation('lowercase', asciiLower);
