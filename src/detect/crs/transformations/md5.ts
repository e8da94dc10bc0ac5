// t:md5: the binary MD5 digest (16 bytes).
import { registerTransformation } from './registry';
import * as digestMod from './digest';

// Local bindings: per-value code must not call through import bindings (getters once transpiled).
const { digestLatin1 } = digestMod;

registerTransformation('md5', (s) => digestLatin1('md5', s));
