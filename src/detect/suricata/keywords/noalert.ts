// noalert; the rule updates state (flowbits) but produces no alert.
import { registerKeyword } from './registry';

registerKeyword({
  name: 'noalert',
  setup(b) {
    b.noalert = true;
  },
});
