// xor:"HEXKEY"; transform: XORs the sticky buffer with a repeating key. Example: xor:"0d0ac8ff";
// Suricata 9's variable key: xor:offset N, extract LEN POS; the key is the LEN bytes at POS of the
// buffer and is applied from byte N on (earlier bytes are kept); a key outside the buffer empties it.
import { parseIntStrict, RuleSyntaxError, unquote } from '../bytes';
import { registerTransform } from './transform';

registerTransform('xor', (v) => {
  const hex = unquote(v ?? '');
  if (/extract/.test(hex)) return variableKey(hex);
  if (!/^[0-9a-fA-F]+$/.test(hex)) throw new RuleSyntaxError(`xor: key must be hex, got ${v}`);
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

function variableKey(spec: string): { key: string; apply: (b: Buffer) => Buffer } {
  let offset = 0;
  let len: number | undefined;
  let pos = 0;
  for (const part of spec.split(',').map((s) => s.trim().split(/\s+/))) {
    if (part[0] === 'offset' && part.length === 2) offset = parseIntStrict(part[1], 'xor offset');
    else if (part[0] === 'extract' && part.length === 3) {
      len = parseIntStrict(part[1], 'xor extract length');
      pos = parseIntStrict(part[2], 'xor extract position');
    } else throw new RuleSyntaxError(`xor: unknown option ${part.join(' ')}`);
  }
  if (len === undefined || len <= 0 || len > 255) throw new RuleSyntaxError('xor: extract needs a length of 1..255');
  const klen = len;
  return {
    key: `xor:offset ${offset},extract ${klen} ${pos}`,
    apply: (b) => {
      if (pos + klen > b.length || offset > b.length) return Buffer.alloc(0);
      const key = Buffer.from(b.subarray(pos, pos + klen));
      const o = Buffer.from(b);
      for (let i = offset; i < o.length; i++) o[i] ^= key[(i - offset) % klen];
      return o;
    },
  };
}
