// byte_test:N,[!]OP,VALUE,OFFSET[,relative][,big|little][,string,dec|hex|oct][,bitmask M];
// reads N bytes (or N digits) and compares them. VALUE and OFFSET may be byte_extract variables.
// Example: byte_test:4,>,1000,0,relative,little;
import { parseIntStrict, RuleSyntaxError } from '../bytes';
import type { ByteTestItem } from '../types';
import { parseByteOptions } from './byte-options';
import { parseNumRef } from './numref';
import { registerKeyword } from './registry';

const ALLOWED = new Set(['relative', 'big', 'little', 'string', 'dec', 'hex', 'oct', 'dce', 'bitmask']);
const OPS = new Set(['<', '>', '=', '<=', '>=', '&', '^']);

registerKeyword({
  name: 'byte_test',
  setup(b, v) {
    const parts = (v ?? '').split(',').map((s) => s.trim());
    if (parts.length < 4) throw new RuleSyntaxError(`byte_test needs bytes,op,value,offset: ${v}`);
    const bytes = parseIntStrict(parts[0], 'byte_test bytes');
    let op = parts[1].replace(/\s+/g, '');
    let negated = false;
    if (op.startsWith('!')) {
      negated = true;
      op = op.slice(1) || '=';
    }
    if (!OPS.has(op)) throw new RuleSyntaxError(`byte_test: unknown operator ${parts[1]}`);
    const o = parseByteOptions(parts.slice(4), 'byte_test', ALLOWED);
    if (o.string ? bytes > 20 : bytes > 8 || bytes < 1) throw new RuleSyntaxError(`byte_test: bad byte count ${bytes}`);
    const item: ByteTestItem = {
      kind: 'byte_test',
      bytes,
      op: op as ByteTestItem['op'],
      negated,
      value: parseNumRef(b, parts[2], 'byte_test value'),
      offset: parseNumRef(b, parts[3], 'byte_test offset', true),
      relative: o.relative,
      bigEndian: o.bigEndian,
      string: o.string,
      bitmask: o.bitmask,
    };
    if (o.relative) b.addRelativeItem(item);
    else b.addItem(item);
  },
});
