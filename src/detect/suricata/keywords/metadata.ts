// metadata:key value, key value; free-form pairs (ET: signature_severity, former_category ...).
import { registerKeyword } from './registry';

registerKeyword({
  name: 'metadata',
  setup(b, v) {
    if (!v) return;
    for (const part of v.split(',')) {
      const t = part.trim();
      if (!t) continue;
      const sp = t.indexOf(' ');
      const key = sp < 0 ? t : t.slice(0, sp);
      const val = sp < 0 ? '' : t.slice(sp + 1).trim();
      (b.metadata[key] ??= []).push(val);
    }
  },
});
