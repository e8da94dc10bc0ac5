// base64_data; the keywords that follow inspect the output of the preceding base64_decode.
import { registerKeyword } from './registry';

registerKeyword({
  name: 'base64_data',
  setup(b) {
    b.enterBase64Data();
  },
});
