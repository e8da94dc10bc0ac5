// uricontent:"x"; the old spelling of content:"x"; http_uri;
import { addContent } from './content';
import { registerKeyword } from './registry';

registerKeyword({
  name: 'uricontent',
  setup(b, v) {
    addContent(b, v, 'uricontent');
    b.moveLastContent('http.uri', 'uricontent');
  },
});
