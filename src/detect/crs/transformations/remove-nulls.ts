// t:removeNulls: drops NUL bytes.
import { registerTransformation } from './registry';

registerTransformation('removeNulls', (s) => (s.indexOf('\0') < 0 ? s : s.replace(/\0/g, '')));
