// t:removeWhitespace: drops whitespace (C isspace and NBSP).
import { registerTransformation } from './registry';

registerTransformation('removeWhitespace', (s) => s.replace(/[ \t\n\v\f\r\xa0]+/g, ''));
