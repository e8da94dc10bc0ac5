// byte_jump:N,OFFSET[,relative][,multiplier M][,big|little][,string,dec|hex|oct][,align]
// [,from_beginning|from_end][,post_offset P][,bitmask B]; reads a length and moves the match
// position past it, for the relative keywords that follow.
import { parseIntStrict, RuleSyntaxError } from '../bytes';
import { parseByteOptions } from './byte-options';
import { parseNumRef } from './numref';
import type { Item } from '../types';
import { registerKeyword } from './registry';

const ALLOWED = new Set(['relative', 'big', 'little', 'string', 'dec', 'hex', 'oct', 'dce', 'align', 'from_beginning', 'from_end', 'multiplier', 'post_offset', 'bitmask']);

registerKeyword({
  name: 'byte_jump',
  setup(b, v) {
    const parts = (v ?? '').split(',').map((s) => s.trim());
    if (parts.length < 2) throw new RuleSyntaxError(`byte_jump needs bytes,offset: ${v}`);
    const bytes = parseIntStrict(parts[0], 'byte_jump bytes');
    const o = parseByteOptions(parts.slice(2), 'byte_jump', ALLOWED);
    if (o.string ? bytes > 20 : bytes > 8 || bytes < 1) throw new RuleSyntaxError(`byte_jump: bad byte count ${bytes}`);
    const item: Item = {
      kind: 'byte_jump',
      bytes,
      offset: parseNumRef(b, parts[1], 'byte_jump offset', true),
      relative: o.relative,
      multiplier: o.multiplier,
      bigEndian: o.bigEndian,
      string: o.string,
      align: o.align,
      fromBeginning: o.fromBeginning,
      fromEnd: o.fromEnd,
      postOffset: o.postOffset,
      bitmask: o.bitmask,
    };
    if (o.relative) b.addRelativeItem(item);
    else b.addItem(item);
  },
});
