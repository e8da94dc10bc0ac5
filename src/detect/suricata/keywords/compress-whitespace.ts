// compress_whitespace; transform: each run of whitespace becomes one space.
import { registerTransform } from './transform';

const WS = new Set([0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]);
registerTransform('compress_whitespace', () => ({
  key: 'compress_whitespace',
  apply: (b) => {
    const out: number[] = [];
    for (const c of b) {
      if (WS.has(c)) {
        if (out[out.length - 1] !== 0x20) out.push(0x20);
      } else out.push(c);
    }
    return Buffer.from(out);
  },
}));
