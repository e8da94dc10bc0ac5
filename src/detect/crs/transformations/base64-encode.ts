// t:base64Encode: Base64 of the bytes.
import { registerTransformation } from './registry';

registerTransformation('base64Encode', (s) => Buffer.from(s, 'latin1').toString('base64'));
