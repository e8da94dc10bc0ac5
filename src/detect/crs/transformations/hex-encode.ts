// t:hexEncode: each byte as two lower-case hex digits.
import { registerTransformation } from './registry';

registerTransformation('hexEncode', (s) => Buffer.from(s, 'latin1').toString('hex'));
