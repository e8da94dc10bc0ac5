// base64_decode[:bytes N][,offset M][,relative]; decodes base64 from the current buffer (after the
// previous match when relative); `base64_data;` keywords then inspect the decoded bytes.
// Example: http.cookie; content:"id="; base64_decode:relative; base64_data; content:"admin";
import { parseIntStrict, RuleSyntaxError } from '../bytes';
import type { Item } from '../types';
import { registerKeyword } from './registry';

registerKeyword({
  name: 'base64_decode',
  setup(b, v) {
    let bytes: number | undefined;
    let offset = 0;
    let relative = false;
    for (const raw of (v ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
      const [k, val] = raw.split(/\s+/, 2);
      if (k === 'bytes') bytes = parseIntStrict(val ?? '', 'base64_decode bytes');
      else if (k === 'offset') offset = parseIntStrict(val ?? '', 'base64_decode offset');
      else if (k === 'relative') relative = true;
      else throw new RuleSyntaxError(`base64_decode: unknown option ${raw}`);
    }
    if (bytes !== undefined && bytes <= 0) throw new RuleSyntaxError('base64_decode: bytes must be positive');
    const item: Item = { kind: 'base64_decode', bytes, offset, relative, data: [] };
    if (relative) b.addRelativeItem(item);
    else b.addItem(item);
  },
});
