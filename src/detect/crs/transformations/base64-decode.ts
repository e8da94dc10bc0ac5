// t:base64Decode: decodes Base64 up to the first character outside the alphabet.
import { registerTransformation } from './registry';

export function base64Decode(s: string): string {
  const m = /^[A-Za-z0-9+/]*/.exec(s);
  const body = m ? m[0] : '';
  return Buffer.from(body, 'base64').toString('latin1');
}

registerTransformation('base64Decode', base64Decode);
