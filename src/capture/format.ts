// One-line renderings of a CaptureEvent: a JSON object (stable field names) and a text preview.
import type { CaptureEvent } from './types';
import { formatEndpoint } from './addr';

/** src/dst: send = local -> remote, recv = remote -> local; connection events: client -> server. */
export function endpoints(e: CaptureEvent): { src: string; dst: string } {
  const local = formatEndpoint(e.localAddr, e.localPort);
  const remote = formatEndpoint(e.remoteAddr, e.remotePort);
  const inbound = e.type === 'recv' || e.type === 'tls_read' || (isConnEvent(e) && e.role === 'server');
  return inbound ? { src: remote, dst: local } : { src: local, dst: remote };
}

function isConnEvent(e: CaptureEvent): boolean {
  return e.type === 'connect' || e.type === 'established' || e.type === 'close';
}

export function direction(e: CaptureEvent): 'outbound' | 'inbound' | null {
  if (e.type === 'send' || e.type === 'tls_write') return 'outbound';
  if (e.type === 'recv' || e.type === 'tls_read') return 'inbound';
  return null;
}

export interface CaptureEventJson {
  ts: string;
  type: string;
  pid: number;
  tid: number;
  comm: string;
  exe: string | null;
  role: string;
  direction: string | null;
  src: string;
  dst: string;
  socket: string;
  netns: number;
  len: number;
  captured: number;
  truncated: boolean;
  payload: string;
  flags?: string[];
  /** TLS plaintext events (OpenSSL uprobes): how the socket was linked, and the library. */
  tls?: true;
  tls_link?: string;
  library?: string;
}

export function toJson(e: CaptureEvent): CaptureEventJson {
  const { src, dst } = endpoints(e);
  const out: CaptureEventJson = {
    ts: new Date(e.timeMs).toISOString(),
    type: e.type,
    pid: e.pid,
    tid: e.tid,
    comm: e.comm,
    exe: e.process?.exe ?? null,
    role: e.role,
    direction: direction(e),
    src,
    dst,
    socket: e.socketCookie.toString(),
    netns: e.netnsIno,
    len: e.len,
    captured: e.captured,
    truncated: e.flags.truncated,
    payload: e.payload.toString('base64'),
  };
  const flags: string[] = [];
  if (e.flags.noPayload && !isConnEvent(e)) flags.push('no_payload');
  if (e.flags.peek) flags.push('peek');
  if (e.flags.readFault) flags.push('read_fault');
  if (e.flags.tlsCiphertext) flags.push('tls_ciphertext');
  if (flags.length) out.flags = flags;
  if (e.type === 'tls_write' || e.type === 'tls_read') {
    out.tls = true;
    out.tls_link = e.tlsLink ?? 'none';
    if (e.tlsLibrary) out.library = e.tlsLibrary;
  }
  return out;
}

/** Printable ASCII kept, \r \n \t escaped, other bytes as \xNN; at most `max` payload bytes. */
export function preview(payload: Buffer, max = 96): string {
  let s = '';
  const n = Math.min(payload.length, max);
  for (let i = 0; i < n; i++) {
    const b = payload[i];
    if (b === 0x0d) s += '\\r';
    else if (b === 0x0a) s += '\\n';
    else if (b === 0x09) s += '\\t';
    else if (b === 0x5c) s += '\\\\';
    else if (b === 0x22) s += '\\"';
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += '\\x' + b.toString(16).padStart(2, '0');
  }
  return payload.length > max ? `"${s}"...` : `"${s}"`;
}

export function toText(e: CaptureEvent): string {
  const d = new Date(e.timeMs);
  const t = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}:${String(d.getSeconds()).padStart(2, '0')}.${String(d.getMilliseconds()).padStart(3, '0')}`;
  const { src, dst } = endpoints(e);
  const who = e.pid ? `${e.comm}[${e.pid}]` : '-';
  let line = `${t} ${e.type.padEnd(11)} ${who} ${e.role} ${src} -> ${dst}`;
  if (!isConnEvent(e)) {
    line += ` len=${e.len}`;
    if (e.flags.truncated) line += ` captured=${e.captured}`;
    if (e.flags.noPayload) line += ' no-payload';
    if (e.flags.readFault) line += ' read-fault';
    if (e.tlsLink) line += ` tls(${e.tlsLink}${e.tlsLibrary ? ' ' + e.tlsLibrary : ''})`;
    else if (e.flags.tlsCiphertext) line += ' tls-ciphertext';
    if (e.captured) line += ' ' + preview(e.payload);
  }
  return line;
}
