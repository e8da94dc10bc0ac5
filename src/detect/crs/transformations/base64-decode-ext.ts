// t:base64DecodeExt: decodes Base64, skipping characters outside the alphabet.
import { registerTransformation } from './registry';

registerTransformation('base64DecodeExt', (s) => Buffer.from(s.replace(/[^A-Za-z0-9+/]/g, ''), 'base64').toString('latin1'));
