// xor:"HEXKEY"; transform: XORs the sticky buffer with a repeating key. Example: xor:"0d0ac8ff";
// (Suricata 9's variable-key form `xor:offset N,extract ...` is not supported.)
import { RuleSyntaxError, unquote } from '../bytes';
import { UnsupportedKeyword } from './registry';
import { registerTransform } from './transform';

registerTransform('xor', (v) => {
  const hex = unquote(v ?? '');
  if (!/^"?[0-9a-fA-F]+"?$/.test(hex)) {
    if (/offset|extract/.test(hex)) throw new UnsupportedKeyword('xor', 'variable key (Suricata 9)');
    throw new RuleSyntaxError(`xor: key must be hex, got ${v}`);
  }
  if (hex.length % 2) throw new RuleSyntaxError('xor: odd number of hex digits');
  const key = Buffer.from(hex, 'hex');
  return {
    key: 'xor:' + hex.toLowerCase(),
    apply: (b) => {
      const o = Buffer.allocUnsafe(b.length);
      for (let i = 0; i < b.length; i++) o[i] = b[i] ^ key[i % key.length];
      return o;
    },
  };
});
