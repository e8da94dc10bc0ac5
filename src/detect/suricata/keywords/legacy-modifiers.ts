// Content modifiers of the older syntax: `content:"x"; http_uri;` moves that content to the buffer.
// Example: content:"POST"; http_method; content:"/login"; http_uri;
import { LEGACY_MODIFIERS } from '../buffers';
import { registerKeyword } from './registry';

for (const [kw, buffer] of Object.entries(LEGACY_MODIFIERS)) {
  registerKeyword({
    name: kw,
    setup(b) {
      b.moveLastContent(buffer, kw);
    },
  });
}
