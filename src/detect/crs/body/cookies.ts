// Cookie header parser (SecCookieFormat 0): "a=1; b=2", values kept as sent.
import type { Pair } from './urlencoded';

export function parseCookies(header: string): Pair[] {
  const out: Pair[] = [];
  for (const raw of header.split(';')) {
    const part = raw.replace(/^[ \t]+/, '');
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) out.push({ name: part.trimEnd(), value: '' });
    else out.push({ name: part.slice(0, eq).trimEnd(), value: part.slice(eq + 1) });
  }
  return out;
}
