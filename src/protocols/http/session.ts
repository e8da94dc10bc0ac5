// One HTTP/1.x connection: a request parser and a response parser, pairing responses with
// requests in order (pipelining, keep-alive), handling HEAD/1xx/204/304/CONNECT/Upgrade, and
// switching to a raw stream when the connection stops being HTTP.
import type { FlowInfo, StreamChunk, StreamDirection } from '../../flow/types';
import type { HttpAnomaly, HttpRequest, HttpResponse, HttpTransaction } from './types';
import { HttpMessageParser, headerValues, type HeadDecision, type HttpMessage, type HttpParserLimits } from './parser';
import { contentCodings, decodeContent } from './content-decoding';
import { anomaly } from './message';

export type HttpSessionEvent =
  | { kind: 'http-request'; tx: HttpTransaction }
  | { kind: 'http-response'; tx: HttpTransaction }
  | { kind: 'stream'; chunk: StreamChunk };

/** Requests waiting for their response, at most (pipelining floods stay bounded). */
const MAX_PENDING = 1024;

export interface HttpSessionOptions {
  limits?: Partial<HttpParserLimits>;
  /** Cap of decoded (decompressed) response bodies. */
  decodeCap?: number;
  /** Bytes of client data held while waiting to learn whether a CONNECT/Upgrade became a tunnel. */
  maxHeldBytes?: number;
}

interface Pending {
  tx: HttpTransaction;
  reqMsg?: HttpMessage;
  reqEmitted: boolean;
  respHead?: HttpMessage;
  tunnel?: 'upgrade' | 'connect';
  /** The request asked for a tunnel (CONNECT, Upgrade): client bytes after it wait for the answer. */
  wantsTunnel: boolean;
}


export class HttpSession {
  private readonly req: HttpMessageParser;
  private readonly resp: HttpMessageParser;
  private readonly queue: Pending[] = [];
  /** Request messages -> their transaction, also after it left the queue (answered early). */
  private readonly byReq = new WeakMap<HttpMessage, Pending>();
  private txCount = 0;
  /** Set once the connection became a tunnel: everything after is raw stream. */
  tunnel: 'upgrade' | 'connect' | undefined;
  private held: StreamChunk[] = [];
  private heldBytes = 0;
  private readonly decodeCap: number;
  private readonly maxHeld: number;
  /** Where each direction's raw stream continues after the switch. */
  private rawNext: Record<StreamDirection, number> = { to_server: 0, to_client: 0 };
  counters = { requests: 0, responses: 0, anomalies: 0, tunnels: 0, pendingDropped: 0 };

  constructor(
    readonly flow: FlowInfo,
    private readonly emit: (ev: HttpSessionEvent) => void,
    opts: HttpSessionOptions = {},
  ) {
    this.decodeCap = opts.decodeCap ?? 1 << 20;
    this.maxHeld = opts.maxHeldBytes ?? 256 * 1024;
    this.req = new HttpMessageParser(true, { head: (m) => this.requestHead(m), message: (m) => this.requestDone(m) }, opts.limits);
    this.resp = new HttpMessageParser(false, { head: (m) => this.responseHead(m), message: (m) => this.responseDone(m) }, opts.limits);
  }

  /** Bytes held by the parsers and the tunnel wait buffer. */
  get heldBytesTotal(): number {
    return this.req.held + this.resp.held + this.heldBytes + this.respHeldBytes;
  }

  parserCounters() {
    return { req: this.req.counters, resp: this.resp.counters };
  }

  data(chunk: StreamChunk): void {
    if (this.tunnel) {
      this.raw(chunk);
      return;
    }
    if (chunk.dir === 'to_server') {
      if (this.req.paused) {
        this.hold(chunk);
        return;
      }
      this.feed(this.req, chunk);
    } else {
      if (this.respHeld.length > 0 || (this.resp.idle && this.req.inHead && !this.queue.some((q) => !q.respHead))) {
        // A response starting while its request's head is still arriving: the capture saw the
        // two directions slightly out of order. Wait (bounded) for the request head.
        this.holdResponse(chunk);
        return;
      }
      this.feed(this.resp, chunk);
    }
  }

  private respHeld: StreamChunk[] = [];
  private releaseAfterRequest = false;
  private respHeldBytes = 0;

  private holdResponse(chunk: StreamChunk): void {
    this.respHeld.push({ ...chunk, data: Buffer.from(chunk.data) });
    this.respHeldBytes += chunk.data.length;
    if (this.respHeldBytes > this.maxHeld) this.releaseResponses();
  }

  private releaseResponses(): void {
    const held = this.respHeld;
    this.respHeld = [];
    this.respHeldBytes = 0;
    for (const c of held) {
      if (this.tunnel) this.raw(c);
      else this.feed(this.resp, c);
    }
  }

  private feed(p: HttpMessageParser, chunk: StreamChunk): void {
    if (chunk.gapBefore && chunk.offset <= p.nextOffset) p.gap(0, chunk.timeMs);
    const used = p.execute(chunk.data, chunk.offset, chunk.timeMs);
    if (this.releaseAfterRequest && p === this.req) {
      this.releaseAfterRequest = false;
      this.releaseResponses();
    }
    const before = p.takeUnconsumed();
    if (used >= chunk.data.length && !before) return;
    let data = chunk.data.subarray(used);
    let offset = chunk.offset + used;
    if (before) {
      data = Buffer.concat([before, data]);
      offset -= before.length;
    }
    const rest: StreamChunk = { ...chunk, offset, data, gapBefore: false };
    if (this.tunnel) this.raw(rest);
    else if (p === this.req) this.hold(rest);
    else this.resp.resume(); // not expected: the response parser pauses only for tunnels
  }

  private hold(chunk: StreamChunk): void {
    if (this.heldBytes + chunk.data.length > this.maxHeld) {
      // The answer is taking too long: assume the tunnel, keep the bytes flowing as raw stream.
      this.startTunnel('connect');
      this.raw(chunk);
      return;
    }
    this.held.push({ ...chunk, data: Buffer.from(chunk.data) });
    this.heldBytes += chunk.data.length;
  }

  private releaseHeld(asRaw: boolean): void {
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    for (const c of held) {
      if (asRaw || this.tunnel) this.raw(c);
      else if (this.req.paused) this.hold(c);
      else this.feed(this.req, c);
    }
  }

  private raw(chunk: StreamChunk): void {
    const next = this.rawNext[chunk.dir];
    const gapBefore = chunk.gapBefore || (next > 0 && chunk.offset > next);
    this.rawNext[chunk.dir] = chunk.offset + chunk.data.length;
    if (chunk.data.length === 0) return;
    this.emit({ kind: 'stream', chunk: gapBefore === chunk.gapBefore ? chunk : { ...chunk, gapBefore } });
  }

  private startTunnel(kind: 'upgrade' | 'connect'): void {
    if (this.tunnel) return;
    this.tunnel = kind;
    this.counters.tunnels++;
  }

  // ---- requests -----------------------------------------------------------------------------

  private newPending(): Pending {
    if (this.queue.length >= MAX_PENDING) {
      // Thousands of requests and no response: stop remembering the oldest (already emitted).
      this.queue.shift();
      this.counters.pendingDropped++;
    }
    const tx: HttpTransaction = { flow: this.flow, index: this.txCount++, anomalies: [] };
    if (this.flow.tls) tx.tlsLink = this.flow.tlsLink ?? 'none';
    const p: Pending = { tx, reqEmitted: false, wantsTunnel: false };
    this.queue.push(p);
    return p;
  }

  private requestHead(m: HttpMessage): HeadDecision {
    const p = this.newPending();
    p.reqMsg = m;
    this.byReq.set(m, p);
    p.tx.request = toRequest(m);
    if (m.method === 'CONNECT' || headerValues(m, 'upgrade').length > 0) p.wantsTunnel = true;
    // Held response bytes go in once this request's bytes are parsed (see feed).
    if (this.respHeld.length > 0) this.releaseAfterRequest = true;
    return 'body';
  }

  private requestDone(m: HttpMessage): boolean {
    let p = this.byReq.get(m);
    if (!p) {
      // The head never completed (gap, end of stream): still a transaction with what we saw.
      p = this.newPending();
      p.reqMsg = m;
    }
    p.tx.request = toRequest(m);
    this.addAnomalies(p.tx, m.anomalies);
    if (!p.reqEmitted) {
      p.reqEmitted = true;
      this.counters.requests++;
      this.emit({ kind: 'http-request', tx: p.tx });
    }
    if (!this.queue.includes(p)) return false; // already answered
    // Client bytes after a CONNECT/Upgrade request wait until the response says tunnel or not.
    return p.wantsTunnel && m.complete;
  }

  // ---- responses ----------------------------------------------------------------------------

  private responseHead(m: HttpMessage): HeadDecision {
    let p = this.queue.find((q) => !q.respHead);
    if (!p) {
      p = this.newPending();
      p.reqEmitted = true; // there is no request to emit
      this.addAnomalies(p.tx, [{ kind: 'unsolicited_response', detail: 'response without a request', dir: 'response' }]);
    }
    const status = m.status;
    if (status >= 100 && status < 200 && status !== 101) {
      (p.tx.interim ??= []).push({ status, reason: m.reason, headers: m.headers });
      this.addAnomalies(p.tx, m.anomalies);
      return 'interim';
    }
    p.respHead = m;
    const method = p.reqMsg?.method ?? '';
    if (status === 101 && (p.wantsTunnel || headerValues(m, 'upgrade').length > 0)) {
      p.tunnel = 'upgrade';
      return 'no-body';
    }
    if (method === 'CONNECT' && status >= 200 && status < 300) {
      p.tunnel = 'connect';
      return 'no-body';
    }
    if (method === 'HEAD' || status === 304) return 'no-body';
    // A 204 must not carry Transfer-Encoding or Content-Length (RFC 9110/9112). One that does
    // frames a body on purpose (an evasion): clients read it, and so does Suricata's libhtp.
    // A 304 may legitimately carry either as metadata of the cached entity, so it stays bodiless.
    if (status === 204) {
      if (!headerValues(m, 'transfer-encoding').length && !headerValues(m, 'content-length').length) return 'no-body';
      anomaly(m, 'unexpected_body', '204 response with Transfer-Encoding or Content-Length: its body is read');
    }
    return 'body';
  }

  private responseDone(m: HttpMessage): boolean {
    let idx = this.queue.findIndex((q) => q.respHead === m);
    if (idx < 0) {
      // Cut short before its head completed: pair with the first unanswered request.
      idx = this.queue.findIndex((q) => !q.respHead);
      if (idx < 0) {
        const p = this.newPending();
        p.reqEmitted = true;
        idx = this.queue.length - 1;
      }
    }
    const p = this.queue[idx];
    this.queue.splice(idx, 1);
    p.tx.response = this.toResponse(m);
    this.addAnomalies(p.tx, m.anomalies);
    if (!p.reqEmitted) {
      // The server answered before the request was complete (early error, 100-continue refused).
      p.reqEmitted = true;
      if (p.tx.request) p.tx.request.complete = false;
      this.counters.requests++;
      this.emit({ kind: 'http-request', tx: p.tx });
    }
    this.counters.responses++;
    this.emit({ kind: 'http-response', tx: p.tx });
    if (p.tunnel && m.complete) {
      p.tx.tunnel = p.tunnel;
      this.startTunnel(p.tunnel);
      this.releaseHeld(true);
      return true;
    }
    if (p.wantsTunnel && this.req.paused) {
      // No tunnel after all: the client's held bytes are HTTP again.
      this.req.resume();
      this.releaseHeld(false);
    }
    return false;
  }

  private addAnomalies(tx: HttpTransaction, list: HttpAnomaly[]): void {
    for (const a of list) {
      if (!tx.anomalies.some((b) => b.kind === a.kind && b.dir === a.dir)) {
        tx.anomalies.push(a);
        this.counters.anomalies++;
      }
    }
  }

  private toResponse(m: HttpMessage): HttpResponse {
    const r: HttpResponse = {
      version: m.version,
      status: m.status,
      reason: m.reason,
      line: m.line,
      headers: m.headers,
      rawHeaders: m.rawHeaders,
      body: m.body,
      decodedBody: m.body,
      bodyLength: m.bodyLength,
      bodyTruncated: m.bodyTruncated,
      trailers: m.trailers,
      startMs: m.startMs,
      endMs: m.endMs,
      complete: m.complete,
      framing: m.framing,
    };
    const codings = contentCodings(headerValues(m, 'content-encoding'));
    if (codings.length > 0 && m.body.length > 0) {
      const out = decodeContent(m.body, codings, this.decodeCap);
      r.decodedBody = out.body;
      r.contentEncoding = out.layers;
      if (out.capped) m.anomalies.push({ kind: 'decompression_capped', detail: `decoded body capped at ${this.decodeCap} bytes`, dir: 'response' });
      if (out.error) m.anomalies.push({ kind: 'decompression_failed', detail: out.error, dir: 'response' });
    }
    return r;
  }

  /** End of the connection: read-until-close bodies complete; anything unfinished is handed over cut short. */
  end(timeMs: number): void {
    if (this.respHeld.length > 0) this.releaseResponses();
    if (this.tunnel) return;
    if (this.held.length > 0) {
      this.req.resume();
      this.releaseHeld(false);
    }
    this.req.finish(timeMs);
    this.resp.finish(timeMs);
  }
}

function toRequest(m: HttpMessage): HttpRequest {
  return {
    method: m.method,
    uri: m.uri,
    version: m.version,
    line: m.line,
    headers: m.headers,
    rawHeaders: m.rawHeaders,
    body: m.body,
    bodyLength: m.bodyLength,
    bodyTruncated: m.bodyTruncated,
    trailers: m.trailers,
    startMs: m.startMs,
    endMs: m.endMs,
    complete: m.complete,
    framing: m.framing,
  };
}
