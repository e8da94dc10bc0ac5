// fast_pattern; fast_pattern:only; fast_pattern:OFFSET,LENGTH (chop): makes the previous content the
// rule's prefilter pattern instead of the automatic choice.
import { parseIntStrict, RuleSyntaxError } from '../bytes';
import { registerKeyword } from './registry';

registerKeyword({
  name: 'fast_pattern',
  setup(b, v) {
    const c = b.lastContent('fast_pattern');
    if (b.lists.some((l) => l.items.some((i) => i.kind === 'content' && i.fastPattern && i !== c))) {
      throw new RuleSyntaxError('fast_pattern set on more than one content');
    }
    if (v === undefined || v === '') c.fastPattern = { only: false };
    else if (v.trim() === 'only') c.fastPattern = { only: true };
    else {
      const parts = v.split(',');
      if (parts.length !== 2) throw new RuleSyntaxError(`fast_pattern: invalid value "${v}"`);
      const off = parseIntStrict(parts[0], 'fast_pattern offset');
      const len = parseIntStrict(parts[1], 'fast_pattern length');
      if (off < 0 || len <= 0 || off + len > c.pattern.length) throw new RuleSyntaxError(`fast_pattern chop ${v} outside the content`);
      c.fastPattern = { only: false, chop: [off, len] };
    }
  },
});
