// @validateUrlEncoding: matches when a % is not followed by two hex digits.
import { registerOperator } from './registry';

registerOperator('validateUrlEncoding', (arg) => ({
  name: 'validateUrlEncoding',
  arg,
  evaluate(_tx: unknown, v: { s: string }) {
    const s = v.s;
    for (let i = s.indexOf('%'); i >= 0; i = s.indexOf('%', i + 1)) {
      if (i + 2 >= s.length) return true;
      if (!/[0-9a-fA-F]/.test(s[i + 1]) || !/[0-9a-fA-F]/.test(s[i + 2])) return true;
      i += 2;
    }
    return false;
  },
}));
