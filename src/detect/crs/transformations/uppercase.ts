// t:uppercase: ASCII letters to upper case.
import { registerTransformation } from './registry';

registerTransformation('uppercase', (s) => s.replace(/[a-z]+/g, (m) => m.toUpperCase()));
