// nocase; the previous content matches ASCII letters case-insensitively.
import { registerKeyword } from './registry';

registerKeyword({
  name: 'nocase',
  setup(b) {
    b.lastContent('nocase').nocase = true;
  },
});
