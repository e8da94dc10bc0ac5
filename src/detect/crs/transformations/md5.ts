// t:md5: the binary MD5 digest (16 bytes).
import { createHash } from 'crypto';
import { registerTransformation } from './registry';

registerTransformation('md5', (s) => createHash('md5').update(Buffer.from(s, 'latin1')).digest().toString('latin1'));
