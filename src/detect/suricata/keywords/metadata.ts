// metadata:key value, key value; free-form pairs (ET: signature_severity, former_category ...).
// Kept as text and parsed when first read (ET's metadata would otherwise cost ~30 MB of objects).
import { registerKeyword } from './registry';

registerKeyword({
  name: 'metadata',
  setup(b, v) {
    if (v) b.metadataText.push(v);
  },
});

/** `key value, key value` (several metadata keywords) -> { key: [values] }. */
export function parseMetadata(texts: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const v of texts) {
    for (const part of v.split(',')) {
      const t = part.trim();
      if (!t) continue;
      const sp = t.indexOf(' ');
      const key = sp < 0 ? t : t.slice(0, sp);
      const val = sp < 0 ? '' : t.slice(sp + 1).trim();
      (out[key] ??= []).push(val);
    }
  }
  return out;
}
