// Sticky buffers: `http.uri;`, `file.data;`, `http_header_names;` ... make the keywords that follow
// inspect that buffer. Suricata 8's `http.connection: to_client;` form picks a direction. The
// buffer table (names, directions, how bytes are taken) is ../buffers.ts.
import { LEGACY_MODIFIERS, STICKY_ALIASES } from '../buffers';
import { RuleSyntaxError } from '../bytes';
import { registerKeyword } from './registry';

for (const [kw, buffer] of Object.entries(STICKY_ALIASES)) {
  if (LEGACY_MODIFIERS[kw]) continue; // http_uri & co. modify the previous content: ./legacy-modifiers.ts
  registerKeyword({
    name: kw,
    setup(b, v) {
      if (v !== undefined && v !== '' && v !== 'to_server' && v !== 'to_client') {
        throw new RuleSyntaxError(`${kw}: unexpected value "${v}"`);
      }
      b.setSticky(buffer, v === 'to_server' || v === 'to_client' ? v : undefined);
    },
  });
}
