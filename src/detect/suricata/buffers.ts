// The inspection buffers: what each sticky buffer name means and how its bytes are taken from an
// HttpTransaction (Suricata/libhtp semantics). One table; adding a buffer is one entry.
import type { HttpHeader, HttpRequest, HttpResponse, HttpTransaction } from '../../protocols/http/types';
import type { BufferDef, Direction, InspectList } from './types';
import { normalizeUri } from './uri';

type Getter = (tx: HttpTransaction, dir: Direction) => Buffer | Buffer[] | undefined;

export interface BufferEntry extends BufferDef {
  get?: Getter;
}

const CRLF = Buffer.from('\r\n');

function headerValue(headers: HttpHeader[] | undefined, name: string): Buffer | undefined {
  if (!headers) return undefined;
  const lname = name.toLowerCase();
  let vals: string[] | undefined;
  for (const h of headers) {
    if (h.name.toLowerCase() === lname) (vals ??= []).push(h.value);
  }
  // libhtp folds repeated headers into one value joined by ", ".
  return vals ? Buffer.from(vals.join(', '), 'latin1') : undefined;
}

function side(tx: HttpTransaction, dir: Direction): HttpRequest | HttpResponse | undefined {
  return dir === 'to_server' ? tx.request : tx.response;
}

/**
 * Headers as libhtp's table holds them: one entry per name (case-insensitive), first spelling and
 * position, repeated values joined with ", ".
 */
function folded(headers: HttpHeader[]): HttpHeader[] {
  const seen = new Map<string, HttpHeader>();
  const out: HttpHeader[] = [];
  for (const h of headers) {
    const k = h.name.toLowerCase();
    const prev = seen.get(k);
    if (prev) prev.value += ', ' + h.value;
    else {
      const e = { name: h.name, value: h.value };
      seen.set(k, e);
      out.push(e);
    }
  }
  return out;
}

/** http.header: "Name: value\r\n" per header, without Cookie (requests) / Set-Cookie (responses), as Suricata builds it. */
function headersBuf(headers: HttpHeader[], dir: Direction): Buffer | undefined {
  const skip = dir === 'to_server' ? 'cookie' : 'set-cookie';
  let s = '';
  for (const h of folded(headers)) if (h.name.toLowerCase() !== skip) s += `${h.name}: ${h.value}\r\n`;
  return s ? Buffer.from(s, 'latin1') : undefined;
}

function hdr(name: string): Getter {
  return (tx, dir) => headerValue(side(tx, dir)?.headers, name);
}

/** libhtp's request_hostname: from an absolute URI, else the Host header, lowercased, no port. */
function hostname(req: HttpRequest): Buffer | undefined {
  let host: string | undefined;
  const abs = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/?#]*)/.exec(req.uri);
  if (abs) host = abs[1].replace(/^.*@/, '');
  if (host === undefined || host === '') {
    const h = headerValue(req.headers, 'host');
    if (!h) return undefined;
    host = h.toString('latin1');
  }
  host = host.trim();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    host = end > 0 ? host.slice(0, end + 1) : host;
  } else {
    const colon = host.lastIndexOf(':');
    if (colon >= 0 && /^\d*$/.test(host.slice(colon + 1))) host = host.slice(0, colon);
  }
  if (host.endsWith('.')) host = host.slice(0, -1);
  return Buffer.from(host.toLowerCase(), 'latin1');
}

const TS: Direction[] = ['to_server'];
const TC: Direction[] = ['to_client'];
const BOTH: Direction[] = ['to_server', 'to_client'];

const entries: BufferEntry[] = [
  { name: 'payload', dirs: BOTH, priority: 3, multi: false },
  {
    name: 'http.uri',
    dirs: TS,
    priority: 2,
    multi: false,
    get: (tx) => (tx.request ? normalizeUri(tx.request.uri) : undefined),
  },
  {
    name: 'http.uri.raw',
    dirs: TS,
    priority: 2,
    multi: false,
    get: (tx) => (tx.request ? Buffer.from(tx.request.uri, 'latin1') : undefined),
  },
  {
    name: 'http.method',
    dirs: TS,
    priority: 4,
    multi: false,
    get: (tx) => (tx.request ? Buffer.from(tx.request.method, 'latin1') : undefined),
  },
  { name: 'http.request_line', dirs: TS, priority: 2, multi: false, get: (tx) => tx.request?.line },
  { name: 'http.response_line', dirs: TC, priority: 2, multi: false, get: (tx) => tx.response?.line },
  {
    name: 'http.protocol',
    dirs: BOTH,
    priority: 2,
    multi: false,
    get: (tx, d) => {
      const s = side(tx, d);
      return s && s.version ? Buffer.from(s.version, 'latin1') : undefined;
    },
  },
  {
    name: 'http.start',
    dirs: BOTH,
    priority: 2,
    multi: false,
    get: (tx, d) => {
      const s = side(tx, d);
      return s ? Buffer.concat([s.line, CRLF, s.rawHeaders]) : undefined;
    },
  },
  {
    name: 'http.header',
    dirs: BOTH,
    priority: 2,
    multi: false,
    get: (tx, d) => {
      const s = side(tx, d);
      return s ? headersBuf(s.headers, d) : undefined;
    },
  },
  {
    name: 'http.header.raw',
    dirs: BOTH,
    priority: 2,
    multi: false,
    get: (tx, d) => {
      const s = side(tx, d);
      return s && s.rawHeaders.length ? s.rawHeaders : undefined;
    },
  },
  {
    name: 'http.header_names',
    dirs: BOTH,
    priority: 2,
    multi: false,
    get: (tx, d) => {
      const s = side(tx, d);
      if (!s || !s.headers.length) return undefined;
      return Buffer.from('\r\n' + folded(s.headers).map((h) => h.name + '\r\n').join('') + '\r\n', 'latin1');
    },
  },
  {
    name: 'http.request_header',
    dirs: TS,
    priority: 2,
    multi: true,
    get: (tx) => (tx.request ? folded(tx.request.headers).map((h) => Buffer.from(`${h.name}: ${h.value}`, 'latin1')) : undefined),
  },
  {
    name: 'http.response_header',
    dirs: TC,
    priority: 2,
    multi: true,
    get: (tx) => (tx.response ? folded(tx.response.headers).map((h) => Buffer.from(`${h.name}: ${h.value}`, 'latin1')) : undefined),
  },
  { name: 'http.host', dirs: TS, priority: 2, multi: false, get: (tx) => (tx.request ? hostname(tx.request) : undefined) },
  { name: 'http.host.raw', dirs: TS, priority: 2, multi: false, get: hdr('host') },
  { name: 'http.user_agent', dirs: TS, priority: 2, multi: false, get: hdr('user-agent') },
  {
    name: 'http.cookie',
    dirs: BOTH,
    priority: 2,
    multi: false,
    get: (tx, d) => (d === 'to_server' ? headerValue(tx.request?.headers, 'cookie') : headerValue(tx.response?.headers, 'set-cookie')),
  },
  { name: 'http.content_type', dirs: BOTH, priority: 2, multi: false, get: hdr('content-type') },
  { name: 'http.content_len', dirs: BOTH, priority: 2, multi: false, get: hdr('content-length') },
  { name: 'http.referer', dirs: TS, priority: 2, multi: false, get: hdr('referer') },
  { name: 'http.accept', dirs: TS, priority: 2, multi: false, get: hdr('accept') },
  { name: 'http.accept_enc', dirs: TS, priority: 2, multi: false, get: hdr('accept-encoding') },
  { name: 'http.accept_lang', dirs: TS, priority: 2, multi: false, get: hdr('accept-language') },
  { name: 'http.connection', dirs: BOTH, priority: 2, multi: false, get: hdr('connection') },
  { name: 'http.location', dirs: TC, priority: 2, multi: false, get: hdr('location') },
  { name: 'http.server', dirs: TC, priority: 2, multi: false, get: hdr('server') },
  {
    name: 'http.request_body',
    dirs: TS,
    priority: 2,
    multi: false,
    get: (tx) => (tx.request && tx.request.body.length ? tx.request.body : undefined),
  },
  {
    name: 'http.response_body',
    dirs: TC,
    priority: 2,
    multi: false,
    get: (tx) => (tx.response && tx.response.decodedBody.length ? tx.response.decodedBody : undefined),
  },
  {
    name: 'http.stat_code',
    dirs: TC,
    priority: 2,
    multi: false,
    get: (tx) => (tx.response ? Buffer.from(String(tx.response.status).padStart(3, '0'), 'latin1') : undefined),
  },
  {
    name: 'http.stat_msg',
    dirs: TC,
    priority: 2,
    multi: false,
    get: (tx) => (tx.response && tx.response.reason ? Buffer.from(tx.response.reason, 'latin1') : undefined),
  },
  {
    name: 'file.data',
    dirs: BOTH,
    priority: 2,
    multi: false,
    get: (tx, d) => {
      if (d === 'to_server') return tx.request && tx.request.body.length ? tx.request.body : undefined;
      return tx.response && tx.response.decodedBody.length ? tx.response.decodedBody : undefined;
    },
  },
  {
    name: 'file.name',
    dirs: BOTH,
    priority: 2,
    multi: false,
    get: (tx, d) => {
      const s = side(tx, d);
      if (!s || !s.body.length) return undefined;
      // libhtp names a file after Content-Disposition's filename, else the request path.
      const cd = headerValue(s.headers, 'content-disposition')?.toString('latin1');
      const m = cd ? /filename\*?=\s*"?([^";]+)"?/i.exec(cd) : null;
      if (m) return Buffer.from(m[1], 'latin1');
      return tx.request ? Buffer.from(tx.request.uri.split('?')[0], 'latin1') : undefined;
    },
  },
];

export const BUFFERS = new Map<string, BufferEntry>(entries.map((e) => [e.name, e]));

/** Sticky-buffer keyword spellings -> buffer name (dotted names, old underscore names). */
export const STICKY_ALIASES: Record<string, string> = {
  'http.uri': 'http.uri',
  http_uri: 'http.uri',
  'http.uri.raw': 'http.uri.raw',
  http_raw_uri: 'http.uri.raw',
  'http.method': 'http.method',
  http_method: 'http.method',
  'http.request_line': 'http.request_line',
  http_request_line: 'http.request_line',
  'http.response_line': 'http.response_line',
  http_response_line: 'http.response_line',
  'http.protocol': 'http.protocol',
  http_protocol: 'http.protocol',
  'http.start': 'http.start',
  http_start: 'http.start',
  'http.header': 'http.header',
  http_header: 'http.header',
  'http.header.raw': 'http.header.raw',
  http_raw_header: 'http.header.raw',
  'http.header_names': 'http.header_names',
  http_header_names: 'http.header_names',
  'http.request_header': 'http.request_header',
  'http.response_header': 'http.response_header',
  'http.host': 'http.host',
  http_host: 'http.host',
  'http.host.raw': 'http.host.raw',
  http_raw_host: 'http.host.raw',
  'http.user_agent': 'http.user_agent',
  http_user_agent: 'http.user_agent',
  'http.cookie': 'http.cookie',
  http_cookie: 'http.cookie',
  'http.content_type': 'http.content_type',
  http_content_type: 'http.content_type',
  'http.content_len': 'http.content_len',
  http_content_len: 'http.content_len',
  'http.referer': 'http.referer',
  http_referer: 'http.referer',
  'http.accept': 'http.accept',
  http_accept: 'http.accept',
  'http.accept_enc': 'http.accept_enc',
  http_accept_enc: 'http.accept_enc',
  'http.accept_lang': 'http.accept_lang',
  http_accept_lang: 'http.accept_lang',
  'http.connection': 'http.connection',
  http_connection: 'http.connection',
  'http.location': 'http.location',
  'http.server': 'http.server',
  'http.request_body': 'http.request_body',
  http_client_body: 'http.request_body',
  'http.response_body': 'http.response_body',
  http_server_body: 'http.response_body',
  'http.stat_code': 'http.stat_code',
  http_stat_code: 'http.stat_code',
  'http.stat_msg': 'http.stat_msg',
  http_stat_msg: 'http.stat_msg',
  'file.data': 'file.data',
  file_data: 'file.data',
  'file.name': 'file.name',
  filename: 'file.name',
};

/** Legacy content modifiers (`content:"x"; http_uri;`) that move the previous content. */
export const LEGACY_MODIFIERS: Record<string, string> = {
  http_uri: 'http.uri',
  http_raw_uri: 'http.uri.raw',
  http_method: 'http.method',
  http_header: 'http.header',
  http_raw_header: 'http.header.raw',
  http_cookie: 'http.cookie',
  http_user_agent: 'http.user_agent',
  http_host: 'http.host',
  http_raw_host: 'http.host.raw',
  http_client_body: 'http.request_body',
  http_server_body: 'http.response_body',
  http_stat_code: 'http.stat_code',
  http_stat_msg: 'http.stat_msg',
};

export function getBuffer(entry: BufferEntry, tx: HttpTransaction, dir: Direction): Buffer | Buffer[] | undefined {
  return entry.get ? entry.get(tx, dir) : undefined;
}

const CRLF_BYTES = Buffer.from('\r\n');

export function rawMessagePieces(tx: HttpTransaction, side: Direction): Buffer[] | null {
  const m = side === 'to_server' ? tx.request : tx.response;
  if (!m) return null;
  const head = Buffer.concat([m.line, CRLF_BYTES, m.rawHeaders]);
  return m.body.length ? [head, m.body] : [head];
}

/** The bytes of a list's buffer instance in a transaction side, transforms applied; null when absent. */
export function httpListBuffers(l: InspectList, tx: HttpTransaction, side: Direction): Buffer[] | null {
  let raw: Buffer | Buffer[] | undefined;
  if (l.buffer.name === 'payload') {
    const m = side === 'to_server' ? tx.request : tx.response;
    raw = m ? Buffer.concat([m.line, CRLF_BYTES, m.rawHeaders, m.body]) : undefined;
  } else raw = getBuffer(BUFFERS.get(l.buffer.name)!, tx, side);
  if (raw === undefined) return null;
  let arr = Array.isArray(raw) ? raw : [raw];
  if (!arr.length) return null;
  for (const t of l.transforms) arr = arr.map((b) => t.apply(b));
  return arr;
}

