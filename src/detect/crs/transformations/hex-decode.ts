// t:hexDecode: pairs of hex digits to bytes.
import { registerTransformation } from './registry';

registerTransformation('hexDecode', (s) => Buffer.from(s, 'hex').toString('latin1'));
