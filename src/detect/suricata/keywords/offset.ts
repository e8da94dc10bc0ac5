// offset:N; the previous content is searched from byte N of the buffer.
import { registerKeyword } from './registry';
import { parseNumRef } from './numref';

registerKeyword({
  name: 'offset',
  setup(b, v) {
    b.lastContent('offset').offset = parseNumRef(b, v, 'offset');
  },
});
