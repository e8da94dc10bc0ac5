// HTTP method names we recognise (RFC 9110, WebDAV, and a few common extensions), and the token
// characters a method or header name may use.

const KNOWN = new Set([
  'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH',
  // WebDAV and friends
  'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'SEARCH', 'REPORT',
  'MKACTIVITY', 'CHECKOUT', 'CHECKIN', 'MERGE', 'MKCALENDAR', 'ACL', 'BIND', 'REBIND', 'UNBIND',
  'VERSION-CONTROL', 'UNCHECKOUT', 'MKWORKSPACE', 'UPDATE', 'LABEL', 'BASELINE-CONTROL', 'ORDERPATCH',
  // UPnP, caches, misc
  'M-SEARCH', 'NOTIFY', 'SUBSCRIBE', 'UNSUBSCRIBE', 'PURGE', 'LINK', 'UNLINK', 'SOURCE', 'QUERY',
]);

export function isKnownMethod(m: string): boolean {
  return KNOWN.has(m);
}

/** RFC 9110 tchar: ALPHA DIGIT and !#$%&'*+-.^_`|~ */
const TOKEN = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;
for (const ch of "!#$%&'*+-.^_`|~") TOKEN[ch.charCodeAt(0)] = 1;

/** The tchar table itself (hot loops index it directly). */
export const TOKEN_TABLE: Readonly<Uint8Array> = TOKEN;

export function isTokenByte(b: number): boolean {
  return TOKEN[b] === 1;
}

/**
 * Does `buf` (the first bytes of a client's stream) begin like an HTTP/1.x request?
 * 'yes', 'no', or 'maybe' when it is a prefix of a method and more bytes are needed.
 */
export function looksLikeRequestStart(buf: Buffer, start = 0): 'yes' | 'no' | 'maybe' {
  let i = start;
  const end = Math.min(buf.length, start + 24);
  while (i < end && buf[i] !== 32) {
    const c = buf[i];
    if (!((c >= 65 && c <= 90) || c === 45 || c === 95)) return 'no';
    i++;
  }
  if (i === end) {
    if (end - start >= 20) return 'no';
    // A prefix of some method?
    const p = latin1(buf, start, end);
    for (const m of KNOWN) if (m.startsWith(p)) return 'maybe';
    return 'no';
  }
  if (i === start) return 'no';
  const method = latin1(buf, start, i);
  if (method === 'PRI') return 'no'; // the HTTP/2 connection preface
  if (KNOWN.has(method)) return 'yes';
  // An unknown upper-case token followed by a space and a target: accept when the line ends in HTTP/.
  const lf = buf.indexOf(10, i);
  if (lf === -1) return buf.length - start > 512 ? 'no' : 'maybe';
  const line = latin1(buf, i, lf);
  return /\sHTTP\/\d\.\d\r?$/.test(line) ? 'yes' : 'no';
}

/** Does a server's stream begin like an HTTP/1.x response? */
export function looksLikeResponseStart(buf: Buffer, start = 0): 'yes' | 'no' | 'maybe' {
  const want = 'HTTP/';
  const n = Math.min(buf.length - start, want.length);
  for (let k = 0; k < n; k++) {
    const c = buf[start + k] | (k < 4 ? 0x20 : 0);
    if (c !== want.toLowerCase().charCodeAt(k) && buf[start + k] !== want.charCodeAt(k)) return 'no';
  }
  return n < want.length ? 'maybe' : 'yes';
}

// Buffer#latin1Slice is the unchecked fast path behind toString('latin1'); not in @types/node.
type Latin1Sliceable = { latin1Slice(start: number, end: number): string };
/** Bytes [s, e) of `buf` as a latin1 string (byte-preserving). */
export function latin1(buf: Buffer, s: number, e: number): string {
  return (buf as unknown as Latin1Sliceable).latin1Slice(s, e);
}
