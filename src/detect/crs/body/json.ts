// JSON body processor: flattens the document into arguments named like ModSecurity v3 does
// (json.a.b; array elements keep the array's name). Strings keep their UTF-8 bytes (latin1 view).
import type { Pair } from './urlencoded';

export function parseJsonBody(body: Buffer, maxDepth = 512): { pairs: Pair[]; error?: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch (err) {
    return { pairs: [], error: `JSON parsing error: ${(err as Error).message}` };
  }
  const pairs: Pair[] = [];
  const latin1 = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');
  let tooDeep = false;
  const walk = (v: unknown, name: string, depth: number): void => {
    if (depth > maxDepth) { tooDeep = true; return; }
    if (Array.isArray(v)) {
      // ModSecurity v2 (CRS's reference) names array elements like the array itself.
      for (const x of v) walk(x, name, depth + 1);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(x, `${name}.${latin1(k)}`, depth + 1);
    } else {
      pairs.push({ name, value: v === null ? '' : typeof v === 'string' ? latin1(v) : String(v) });
    }
  };
  walk(doc, 'json', 0);
  if (tooDeep) return { pairs, error: 'JSON depth limit exceeded' };
  return { pairs };
}
