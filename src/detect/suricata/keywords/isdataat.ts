// isdataat:[!]N[,relative]; there is (or is not) data at position N (relative: after the previous match).
import { RuleSyntaxError } from '../bytes';
import type { Item } from '../types';
import { registerKeyword } from './registry';
import { parseNumRef } from './numref';

registerKeyword({
  name: 'isdataat',
  setup(b, v) {
    if (!v) throw new RuleSyntaxError('isdataat needs a value');
    const parts = v.split(',').map((s) => s.trim());
    let first = parts[0];
    const negated = first.startsWith('!');
    if (negated) first = first.slice(1).trim();
    let relative = false;
    for (const p of parts.slice(1)) {
      if (p === 'relative') relative = true;
      else if (p !== 'rawbytes') throw new RuleSyntaxError(`isdataat: unknown option ${p}`);
    }
    const item: Item = { kind: 'isdataat', pos: parseNumRef(b, first, 'isdataat'), relative, negated };
    if (relative) b.addRelativeItem(item);
    else b.addItem(item);
  },
});
