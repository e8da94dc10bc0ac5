// endswith; the previous content must end at the end of the buffer.
import { registerKeyword } from './registry';

registerKeyword({
  name: 'endswith',
  setup(b) {
    b.lastContent('endswith').endswith = true;
  },
});
