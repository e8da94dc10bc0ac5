// Parses a raw HTTP/1.x request (as ftw's encoded_request/raw_request give it) into a CrsRequest.
import type { CrsRequest } from '../types';

export function parseRawRequest(raw: Buffer): CrsRequest {
  const text = raw.toString('latin1');
  let headEnd = text.indexOf('\r\n\r\n');
  let sepLen = 4;
  if (headEnd < 0) { headEnd = text.indexOf('\n\n'); sepLen = 2; }
  const head = headEnd < 0 ? text : text.slice(0, headEnd);
  const body = headEnd < 0 ? '' : text.slice(headEnd + sepLen);
  const lines = head.split(/\r?\n/);
  const requestLine = lines[0] ?? '';
  const parts = requestLine.split(' ');
  let method = parts[0] ?? '';
  let version = '';
  let uri = '';
  if (parts.length >= 3 && /^HTTP\//i.test(parts[parts.length - 1])) {
    version = parts[parts.length - 1];
    uri = parts.slice(1, -1).join(' ');
  } else {
    uri = parts.slice(1).join(' ');
  }
  if (method === '' && parts.length > 1) method = parts[1];
  const headers: Array<[string, string]> = [];
  for (const l of lines.slice(1)) {
    if (l === '') continue;
    const c = l.indexOf(':');
    if (c < 0) continue;
    headers.push([l.slice(0, c), l.slice(c + 1).trim()]);
  }
  let bodyBuf: Buffer = Buffer.from(body, 'latin1');
  const te = headers.find(([k]) => k.toLowerCase() === 'transfer-encoding')?.[1] ?? '';
  if (/chunked/i.test(te)) bodyBuf = dechunk(bodyBuf);
  else {
    // the server reads Content-Length bytes (none without the header)
    const cl = headers.find(([k]) => k.toLowerCase() === 'content-length')?.[1];
    const n = cl !== undefined && /^\d+$/.test(cl) ? Number(cl) : 0;
    bodyBuf = bodyBuf.subarray(0, n);
  }
  return { method, uri, version, headers, body: bodyBuf, requestLine };
}

function dechunk(b: Buffer): Buffer {
  const out: Buffer[] = [];
  let p = 0;
  const s = b.toString('latin1');
  while (p < s.length) {
    const nl = s.indexOf('\n', p);
    if (nl < 0) break;
    const size = parseInt(s.slice(p, nl).trim().split(';')[0], 16);
    if (!Number.isFinite(size) || size <= 0) break;
    out.push(b.subarray(nl + 1, nl + 1 + size));
    p = nl + 1 + size;
    if (s.startsWith('\r\n', p)) p += 2;
    else if (s[p] === '\n') p += 1;
  }
  return Buffer.concat(out);
}
