// byte_extract:N,OFFSET,NAME[,relative][,multiplier M][,big|little][,string,dec|hex|oct][,align A];
// reads a value into NAME for later depth/offset/distance/within/byte_test/byte_jump/isdataat.
import { parseIntStrict, RuleSyntaxError } from '../bytes';
import { parseByteOptions } from './byte-options';
import type { Item } from '../types';
import { registerKeyword } from './registry';

const ALLOWED = new Set(['relative', 'big', 'little', 'string', 'dec', 'hex', 'oct', 'dce', 'align', 'multiplier', 'bitmask']);

registerKeyword({
  name: 'byte_extract',
  setup(b, v) {
    const parts = (v ?? '').split(',').map((s) => s.trim());
    if (parts.length < 3) throw new RuleSyntaxError(`byte_extract needs bytes,offset,name: ${v}`);
    const bytes = parseIntStrict(parts[0], 'byte_extract bytes');
    const name = parts[2];
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name)) throw new RuleSyntaxError(`byte_extract: invalid name ${name}`);
    const o = parseByteOptions(parts.slice(3), 'byte_extract', ALLOWED);
    if (o.string ? bytes > 20 : bytes > 8 || bytes < 1) throw new RuleSyntaxError(`byte_extract: bad byte count ${bytes}`);
    b.vars.add(name);
    const item: Item = {
      kind: 'byte_extract',
      bytes,
      offset: parseIntStrict(parts[1], 'byte_extract offset'),
      name,
      relative: o.relative,
      multiplier: o.multiplier,
      bigEndian: o.bigEndian,
      string: o.string,
      align: o.alignN,
      bitmask: o.bitmask,
    };
    if (o.relative) b.addRelativeItem(item);
    else b.addItem(item);
  },
});
