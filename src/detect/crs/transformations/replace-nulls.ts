// t:replaceNulls: NUL bytes become spaces.
import { registerTransformation } from './registry';

registerTransformation('replaceNulls', (s) => (s.indexOf('\0') < 0 ? s : s.replace(/\0/g, ' ')));
