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
      if (!headers.some(([k]) => k.toLowerCase() === 'content-type') && body.length > 0) headers.push(['Content-Type', sniff(body)]);
      return { status: spec.status ?? 200, version: 'HTTP/1.1', headers, body };
    } catch {
      // not a reflect spec: fall through to the default answer
    }
  }
  return { status: 200, version: 'HTTP/1.1', headers: [['Content-Type', 'text/plain']], body: Buffer.from('OK') };
}

/** Go's http.DetectContentType, for the text cases albedo's answers hit. */
function sniff(body: Buffer): string {
  const head = body.subarray(0, 512).toString('latin1').replace(/^[\t\n\x0c\r ]+/, '').toLowerCase();
  const html = ['<!doctype html', '<html', '<head', '<script', '<iframe', '<h1', '<div', '<font', '<table', '<a', '<style', '<title', '<b', '<body', '<br', '<p', '<!--'];
  for (const h of html) {
    if (head.startsWith(h) && /[ >]/.test(head[h.length] ?? '')) return 'text/html; charset=utf-8';
  }
  if (head.startsWith('<?xml')) return 'text/xml; charset=utf-8';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]/.test(head)) return 'application/octet-stream';
  return 'text/plain; charset=utf-8';
}
