// The message object the HTTP/1.x parser fills in, and how anomalies are recorded on it.
import type { HttpAnomaly, HttpAnomalyKind, HttpBodyFraming, HttpHeader } from './types';

/** A message being parsed, then handed over complete. Field meanings follow HttpRequest/HttpResponse. */
export interface HttpMessage {
  isRequest: boolean;
  method: string;
  uri: string;
  version: string;
  status: number;
  reason: string;
  line: Buffer;
  headers: HttpHeader[];
  rawHeaders: Buffer;
  trailers: HttpHeader[];
  framing: HttpBodyFraming;
  /** Declared Content-Length (-1 when none or unusable). */
  contentLength: number;
  body: Buffer;
  bodyLength: number;
  bodyTruncated: boolean;
  anomalies: HttpAnomaly[];
  startMs: number;
  endMs: number;
  complete: boolean;
  /** Stream offset of the first byte of the message. */
  startOffset: number;
  /** Some header name had characters outside the token set: lookups normalise names. */
  oddNames: boolean;
}

export function anomaly(msg: HttpMessage, kind: HttpAnomalyKind, detail: string): void {
  // One entry per kind and message is enough for rules; the detail says the first occurrence.
  for (const a of msg.anomalies) if (a.kind === kind) return;
  msg.anomalies.push({ kind, detail, dir: msg.isRequest ? 'request' : 'response' });
}

export function newMessage(isRequest: boolean, timeMs: number, offset: number): HttpMessage {
  return {
    isRequest,
    method: '',
    uri: '',
    version: '',
    status: 0,
    reason: '',
    line: EMPTY,
    headers: [],
    rawHeaders: EMPTY,
    trailers: [],
    framing: 'none',
    contentLength: -1,
    body: EMPTY,
    bodyLength: 0,
    bodyTruncated: false,
    anomalies: [],
    startMs: timeMs,
    endMs: timeMs,
    complete: false,
    startOffset: offset,
    oddNames: false,
  };
}

export const EMPTY = Buffer.alloc(0);

