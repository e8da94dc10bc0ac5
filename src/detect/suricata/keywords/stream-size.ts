// stream_size:server|client|both|either,OP,N; bytes seen so far in the flow's direction(s).
import { RuleSyntaxError, parseIntStrict } from '../bytes';
import type { NumCompare } from '../types';
import { registerKeyword } from './registry';

const OPS = new Set(['<', '>', '=', '!=', '<=', '>=']);

registerKeyword({
  name: 'stream_size',
  setup(b, v) {
    const parts = (v ?? '').split(',').map((s) => s.trim());
    if (parts.length !== 3) throw new RuleSyntaxError(`stream_size needs side,op,value: ${v}`);
    const [side, op, n] = parts;
    if (side !== 'server' && side !== 'client' && side !== 'both' && side !== 'either') {
      throw new RuleSyntaxError(`stream_size: unknown side ${side}`);
    }
    if (!OPS.has(op)) throw new RuleSyntaxError(`stream_size: unknown operator ${op}`);
    b.streamSize = { side, cmp: { op: op as NumCompare['op'], a: parseIntStrict(n, 'stream_size') } };
  },
});
