// t:compressWhitespace: each run of whitespace (C isspace or NBSP) becomes one space.
import { registerTransformation } from './registry';

registerTransformation('compressWhitespace', (s) => s.replace(/[ \t\n\v\f\r\xa0]+/g, ' '));
