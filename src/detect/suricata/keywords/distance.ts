// distance:N; the previous content starts at least N bytes after the end of the match before it (N may be negative).
import { registerKeyword } from './registry';
import { parseNumRef } from './numref';

registerKeyword({
  name: 'distance',
  setup(b, v) {
    b.lastContent('distance').distance = parseNumRef(b, v, 'distance', true);
  },
});
