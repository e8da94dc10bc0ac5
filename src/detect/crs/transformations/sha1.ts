// t:sha1: the binary SHA-1 digest (20 bytes).
import { registerTransformation } from './registry';
import * as digestMod from './digest';

// Local bindings: per-value code must not call through import bindings (getters once transpiled).
const { digestLatin1 } = digestMod;

registerTransformation('sha1', (s) => digestLatin1('sha1', s));
