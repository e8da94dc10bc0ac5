// t:length: the length in bytes, as decimal text.
import { registerTransformation } from './registry';

registerTransformation('length', (s) => String(s.length));
