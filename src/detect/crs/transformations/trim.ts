// t:trim, t:trimLeft, t:trimRight: strip C whitespace.
import { registerTransformation } from './registry';

registerTransformation('trim', (s) => s.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, ''));
registerTransformation('trimLeft', (s) => s.replace(/^[ \t\n\v\f\r]+/, ''));
registerTransformation('trimRight', (s) => s.replace(/[ \t\n\v\f\r]+$/, ''));
