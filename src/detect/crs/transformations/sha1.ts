// t:sha1: the binary SHA-1 digest (20 bytes).
import { createHash } from 'crypto';
import { registerTransformation } from './registry';

registerTransformation('sha1', (s) => createHash('sha1').update(Buffer.from(s, 'latin1')).digest().toString('latin1'));
