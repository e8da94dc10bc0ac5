// startswith; the previous content must be at the very start of the buffer (depth = its length).
import { registerKeyword } from './registry';

registerKeyword({
  name: 'startswith',
  setup(b) {
    b.lastContent('startswith').startswith = true;
  },
});
