// to_uppercase; transform: ASCII-uppercases the sticky buffer.
import { registerTransform } from './transform';

registerTransform('to_uppercase', () => ({
  key: 'to_uppercase',
  apply: (b) => {
    const o = Buffer.from(b);
    for (let i = 0; i < o.length; i++) if (o[i] >= 97 && o[i] <= 122) o[i] -= 32;
    return o;
  },
}));
