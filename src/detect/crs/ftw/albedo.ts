// Emulates the CRS CI backend ("albedo") for response tests: POST /reflect with a JSON body
// {"status": N, "headers": {...}, "body": "..."} answers with exactly that response; anything
// else gets a plain 200.
import type { CrsRequest, CrsResponse } from '../types';

export function albedoResponse(req: CrsRequest): CrsResponse {
  const path = req.uri.split('?')[0];
  if (path === '/reflect' && req.body && req.body.length > 0) {
    try {
      const spec = JSON.parse(req.body.toString('utf8')) as { status?: number; headers?: Record<string, string>; body?: string; encodedBody?: string };
      const headers: Array<[string, string]> = Object.entries(spec.headers ?? {}).map(([k, v]) => [k, String(v)]);
      let body = Buffer.from(spec.body ?? '', 'utf8');
      if (spec.encodedBody) body = Buffer.from(spec.encodedBody, 'base64');
      return { status: spec.status ?? 200, version: 'HTTP/1.1', headers, body };
    } catch {
      // not a reflect spec: fall through to the default answer
    }
  }
  return { status: 200, version: 'HTTP/1.1', headers: [['Content-Type', 'text/plain']], body: Buffer.from('OK') };
}
