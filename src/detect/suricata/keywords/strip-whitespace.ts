// strip_whitespace; transform: removes all whitespace bytes from the sticky buffer.
import { registerTransform } from './transform';

const WS = new Set([0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]);
registerTransform('strip_whitespace', () => ({ key: 'strip_whitespace', apply: (b) => Buffer.from(b.filter((c) => !WS.has(c))) }));
