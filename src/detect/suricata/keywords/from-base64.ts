// from_base64[: bytes N, offset M, mode rfc4648|rfc2045|strict]; transform: base64-decodes the sticky buffer.
import { parseIntStrict, RuleSyntaxError } from '../bytes';
import { base64Decode, type Base64Mode } from './base64-codec';
import { registerTransform } from './transform';

registerTransform('from_base64', (v) => {
  let bytes: number | undefined;
  let offset = 0;
  let mode: Base64Mode = 'rfc4648';
  for (const raw of (v ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [k, val] = raw.split(/\s+/, 2);
    if (k === 'bytes') bytes = parseIntStrict(val ?? '', 'from_base64 bytes');
    else if (k === 'offset') offset = parseIntStrict(val ?? '', 'from_base64 offset');
    else if (k === 'mode' && (val === 'rfc4648' || val === 'rfc2045' || val === 'strict')) mode = val;
    else throw new RuleSyntaxError(`from_base64: unknown option ${raw}`);
  }
  return {
    key: `from_base64:${bytes ?? ''},${offset},${mode}`,
    apply: (b) => {
      const src = b.subarray(offset, bytes !== undefined ? offset + bytes : undefined);
      return base64Decode(src, mode) ?? Buffer.alloc(0);
    },
  };
});
