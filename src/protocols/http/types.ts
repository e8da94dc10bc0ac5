// Public types of the HTTP/1.x stage, consumed by both rule engines and by incidents.
import type { FlowInfo } from '../../flow/types';
import type { TlsLink } from '../../capture/types';

export interface HttpHeader {
  /** As sent (case kept). */
  name: string;
  /** Value without surrounding whitespace, decoded latin1 (byte-preserving). */
  value: string;
}

export type HttpAnomalyKind =
  | 'cl_te_conflict'
  | 'multiple_content_length'
  | 'invalid_content_length'
  | 'invalid_chunk_size'
  | 'bare_lf'
  | 'bare_cr'
  | 'line_too_long'
  | 'invalid_method'
  | 'invalid_request_line'
  | 'invalid_status_line'
  | 'invalid_header'
  | 'missing_protocol'
  | 'body_truncated'
  | 'decompression_failed'
  | 'decompression_capped'
  | 'gap'
  | 'unsolicited_response'
  | 'unknown_method'
  | 'header_folding'
  | 'invalid_transfer_encoding'
  | 'invalid_chunk_framing'
  | 'too_many_headers'
  | 'incomplete'
  | 'http09'
  | 'unexpected_body';

export interface HttpAnomaly {
  kind: HttpAnomalyKind;
  detail: string;
  /** Which message it was found in. */
  dir?: 'request' | 'response';
}

export interface HttpRequest {
  method: string;
  /** Request target exactly as on the wire (latin1). */
  uri: string;
  /** e.g. 'HTTP/1.1'; '' for HTTP/0.9-style lines. */
  version: string;
  /** The request line bytes without CRLF. */
  line: Buffer;
  headers: HttpHeader[];
  /** Raw header block (after the request line, up to and including the blank line). */
  rawHeaders: Buffer;
  /** Body after chunked de-framing (not content-decoded), up to the body cap. */
  body: Buffer;
  bodyLength: number;
  bodyTruncated: boolean;
  trailers: HttpHeader[];
  startMs: number;
  endMs: number;
  /** False when the message ended early (flow end, gap, eviction) before its framing said it was done. */
  complete?: boolean;
  /** How the body was framed. */
  framing?: HttpBodyFraming;
}

export type HttpBodyFraming = 'none' | 'content-length' | 'chunked' | 'until-close';

export interface HttpResponse {
  version: string;
  status: number;
  reason: string;
  line: Buffer;
  headers: HttpHeader[];
  rawHeaders: Buffer;
  /** Body after chunked de-framing, before content decoding. */
  body: Buffer;
  /** Body after Content-Encoding decoding (gzip/deflate/br), within the decode cap; equals body when not encoded. */
  decodedBody: Buffer;
  bodyLength: number;
  bodyTruncated: boolean;
  trailers: HttpHeader[];
  startMs: number;
  endMs: number;
  complete?: boolean;
  framing?: HttpBodyFraming;
  /** Content-Encoding layers applied to produce decodedBody, outermost first (e.g. ['gzip']). */
  contentEncoding?: string[];
}

/** A 1xx response that came before the final one (100 Continue, 103 Early Hints). */
export interface HttpInterimResponse {
  status: number;
  reason: string;
  headers: HttpHeader[];
}

export interface HttpTransaction {
  flow: FlowInfo;
  /** 0-based index of the transaction in its flow. */
  index: number;
  request?: HttpRequest;
  response?: HttpResponse;
  anomalies: HttpAnomaly[];
  /** 1xx responses before the final response. */
  interim?: HttpInterimResponse[];
  /** The connection stopped being HTTP after this transaction (101 Switching Protocols, CONNECT 2xx). */
  tunnel?: 'upgrade' | 'connect';
  /** Set when the transaction came from TLS plaintext: how it was tied to its socket ('inferred': a guess). */
  tlsLink?: TlsLink;
}
