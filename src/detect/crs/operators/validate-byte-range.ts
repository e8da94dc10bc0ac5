// @validateByteRange: matches when any byte lies outside the allowed list ("1-255", "9,10,32-126").
import { registerOperator } from './registry';

registerOperator('validateByteRange', (arg) => {
  const allowed = new Uint8Array(256);
  for (const part of arg.split(',')) {
    const p = part.trim();
    if (p === '') continue;
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(p);
    if (!m) throw new Error(`@validateByteRange: bad range "${p}"`);
    const a = Number(m[1]);
    const b = Number(m[2] ?? m[1]);
    if (a > 255 || b > 255 || a > b) throw new Error(`@validateByteRange: bad range "${p}"`);
    for (let i = a; i <= b; i++) allowed[i] = 1;
  }
  return {
    name: 'validateByteRange',
    arg,
    evaluate(_tx: unknown, v: { s: string }) {
      const s = v.s;
      for (let i = 0; i < s.length; i++) if (!allowed[s.charCodeAt(i) & 0xff]) return true;
      return false;
    },
  };
});
