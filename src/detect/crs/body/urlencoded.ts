// URLENCODED body processor (and query-string parser): name=value pairs split on '&', both
// url-decoded ('+' is a space). A name without '=' gets an empty value.
import * as urlDecodeMod from '../transformations/url-decode';

// Local bindings: per-value code must not call through import bindings (getters once transpiled).
const { urlDecode } = urlDecodeMod;

export interface Pair {
  name: string;
  value: string;
}

export function parseUrlEncoded(text: string, separator = '&'): { pairs: Pair[]; invalidEncoding: boolean } {
  const pairs: Pair[] = [];
  let invalidEncoding = false;
  if (text === '') return { pairs, invalidEncoding };
  for (const part of text.split(separator)) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawName = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    if (/%(?![0-9a-fA-F]{2})/.test(part)) invalidEncoding = true;
    pairs.push({ name: urlDecode(rawName), value: urlDecode(rawValue) });
  }
  return { pairs, invalidEncoding };
}
