// Incremental HTTP/1.x message parser for one direction of a connection (requests or responses).
//
// It is a state machine over Buffers and indices: input may come in any chunking, consumed bytes
// are never scanned twice (lines are found with indexOf from where the last scan stopped), and what
// it keeps is bounded (start line and header block, chunk-size lines, the stored part of a body).
// Malformed input never throws: each oddity becomes an anomaly on the message, and the parser
// either carries on the way common servers would or resynchronises at the next start line.
import { isKnownMethod } from './methods';
import { anomaly, newMessage, EMPTY, type HttpMessage } from './message';
import { parseRequestLine, parseStatusLine } from './start-line';
import { buildHeaders } from './header-block';
import { frameBody } from './framing';
import { parseChunkSize, chunkSizeStrict } from './chunked';
import * as bytes from './bytes';

export type { HttpMessage } from './message';
export { headerValues, normalizeName } from './header-block';
export { parseChunkSize, chunkSizeStrict } from './chunked';

// Local bindings: hot loops must not go through import bindings (getters once transpiled).
const { LF, CR, SP, HT, COLON, latin1, isHttpSlash, isBlankish, httpPrefix, findStatusLineStart, isTokenByte, looksLikeHeaderAt } = bytes;

export interface HttpParserLimits {
  /** Longest start line or header line kept; longer lines are cut (anomaly line_too_long). */
  maxLineBytes: number;
  /** Largest header block kept (start line + headers); the rest of the block is dropped. */
  maxHeaderBytes: number;
  maxHeaders: number;
  /** Body bytes stored per message; the body is still framed and counted beyond it. */
  bodyCap: number;
}

export const DEFAULT_LIMITS: HttpParserLimits = {
  maxLineBytes: 16 * 1024,
  maxHeaderBytes: 64 * 1024,
  maxHeaders: 256,
  bodyCap: 1 << 20,
};

/** What the session says about a message once its head is parsed. */
export type HeadDecision =
  | 'body' // frame the body from the headers
  | 'no-body' // no body whatever the headers say (HEAD responses, 204, 304, CONNECT 2xx, 101)
  | 'interim'; // a 1xx: not the final response; discard and parse the next head

export interface HttpParserHooks {
  head(msg: HttpMessage): HeadDecision;
  /** A message is done (complete or cut short). Return true to pause the parser right after it. */
  message(msg: HttpMessage): boolean;
}

// States
const START = 0; // between messages (skipping blank lines)
const HEAD = 1; // start line and headers
const BODY_CL = 2;
const CHUNK_SIZE = 3;
const CHUNK_DATA = 4;
const CHUNK_END = 5; // the CRLF after chunk data
const TRAILERS = 6;
const UNTIL_CLOSE = 7;
const RESYNC = 8; // after a gap or garbage: looking for the next start line
const PAUSED = 9;
const RESP_START = 10; // a response's first bytes: status line, junk before one, or HTTP/0.9 body

/** Junk before a status line is skipped when the status line starts within this many bytes. */
const JUNK_LOOKAHEAD = 1024;


export interface HttpParserCounters {
  messages: number;
  resyncs: number;
  bytesSkipped: number;
}

export class HttpMessageParser {
  readonly limits: HttpParserLimits;
  private state = START;
  private msg: HttpMessage | undefined;
  /** Stream offset of the next byte we expect. */
  private offset = 0;
  // Line/block accumulator. For HEAD and TRAILERS it holds the whole block; otherwise one line.
  private acc: Buffer = Buffer.allocUnsafe(256);
  private accLen = 0;
  private lineStart = 0; // index in acc where the current line starts
  private lineSeen = 0; // bytes of the current line seen (kept or not)
  private lineCut = false; // the current line went over the limit
  private lastWasCR = false; // the last byte seen of the current line was CR
  private blockCut = false; // the header block went over its limit
  /** Line boundaries in acc for HEAD/TRAILERS: [contentStart, contentEnd, ...]. */
  private lines: number[] = [];
  private remaining = 0; // body/chunk bytes left
  /** The stored body: one buffer grown by doubling (one copy per byte, no per-chunk allocations). */
  private bodyBuf: Buffer | undefined;
  private bodyStored = 0;
  private emptyChunkLines = 0;
  readonly counters: HttpParserCounters = { messages: 0, resyncs: 0, bytesSkipped: 0 };

  constructor(
    readonly isRequest: boolean,
    private readonly hooks: HttpParserHooks,
    limits: Partial<HttpParserLimits> = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** Bytes this parser holds right now (for the memory budget). */
  get held(): number {
    return this.acc.length + (this.bodyBuf ? this.bodyBuf.length : 0);
  }

  get paused(): boolean {
    return this.state === PAUSED;
  }

  /** True between messages: nothing parsed and not yet emitted. */
  get idle(): boolean {
    return this.state === START && this.accLen === 0;
  }

  /** Reading a start line or headers. */
  get inHead(): boolean {
    return this.state === HEAD;
  }

  /** The message whose head has been parsed and whose body is being read, if any. */
  get current(): HttpMessage | undefined {
    return this.msg;
  }

  /** Stream offset of the next byte expected. */
  get nextOffset(): number {
    return this.offset;
  }

  resume(): void {
    if (this.state === PAUSED) this.state = START;
  }

  /**
   * Parses `data`, which starts at stream offset `offset`. Bytes between the previous end and
   * `offset` were lost (a gap). Returns how many bytes of `data` were consumed: less than its
   * length only when a hook paused the parser.
   */
  execute(data: Buffer, offset: number, timeMs: number): number {
    if (offset > this.offset) this.gap(offset - this.offset, timeMs);
    this.offset = offset;
    const used = this.run(data, 0, data.length, timeMs);
    this.offset = offset + used;
    return used;
  }

  /** The state machine over d[pos, end); also used to replay bytes held while deciding. */
  private run(data: Buffer, pos: number, end: number, timeMs: number): number {
    while (pos < end) {
      switch (this.state) {
        case START:
          pos = this.onStart(data, pos, end, timeMs);
          break;
        case HEAD:
          pos = this.onHead(data, pos, end, timeMs);
          break;
        case BODY_CL:
        case CHUNK_DATA:
        case UNTIL_CLOSE: {
          const n = this.state === UNTIL_CLOSE ? end - pos : Math.min(this.remaining, end - pos);
          this.bodyBytes(data, pos, n);
          pos += n;
          if (this.state !== UNTIL_CLOSE) {
            this.remaining -= n;
            if (this.remaining === 0) {
              if (this.state === BODY_CL) this.done(timeMs, true);
              else this.beginLine(CHUNK_END);
            }
          }
          break;
        }
        case CHUNK_SIZE:
        case CHUNK_END:
        case RESYNC:
          pos = this.onSmallLine(data, pos, end, timeMs);
          break;
        case TRAILERS:
          pos = this.onTrailers(data, pos, end, timeMs);
          break;
        case RESP_START:
          pos = this.onRespStart(data, pos, end, timeMs);
          break;
        case PAUSED:
          return pos;
      }
    }
    return end;
  }

  /**
   * Bytes were lost. A gap inside a body of known length is skipped over; anywhere else the
   * current message ends cut short and the parser looks for the next start line.
   */
  gap(lost: number, timeMs: number): void {
    this.offset += lost;
    const m = this.msg;
    if ((this.state === BODY_CL || this.state === CHUNK_DATA) && m && lost < this.remaining) {
      anomaly(m, 'gap', `${lost} bytes lost inside the body`);
      m.bodyTruncated = true;
      m.bodyLength += lost;
      this.remaining -= lost;
      return;
    }
    if (this.state === UNTIL_CLOSE && m) {
      anomaly(m, 'gap', `${lost} bytes lost inside the body`);
      m.bodyTruncated = true;
      m.bodyLength += lost;
      return;
    }
    if (this.state === PAUSED) return;
    if (m || this.state === HEAD) {
      if (m) {
        anomaly(m, 'gap', `${lost} bytes lost`);
        this.done(timeMs, false);
      } else this.headCut(timeMs, 'gap');
    }
    this.counters.resyncs++;
    this.beginLine(RESYNC);
  }

  /** End of the stream: a read-until-close body completes, anything else is cut short. */
  finish(timeMs: number): void {
    if (this.state === RESP_START) this.decideRespStart(timeMs, true);
    if (this.state === HEAD && this.blankishPending && this.msg) this.blankishEnds(this.msg, timeMs);
    if (this.state === CHUNK_SIZE && this.msg && !this.isRequest && this.accLen > 0 && parseChunkSize(this.acc, 0, this.accLen) < 0) {
      // The stream ended inside something that was never a chunk-size line.
      this.invalidChunk(this.msg, timeMs, `chunk size ${JSON.stringify(latin1(this.acc, 0, Math.min(this.accLen, 40)))}`);
    }
    if (this.state === UNTIL_CLOSE && this.msg) {
      this.done(timeMs, true);
      return;
    }
    if (this.msg) {
      anomaly(this.msg, this.msg.framing === 'none' ? 'incomplete' : 'body_truncated', 'stream ended inside the message');
      this.done(timeMs, false);
    } else if (this.state === HEAD) {
      this.headCut(timeMs, 'incomplete');
    }
    this.state = START;
    this.accLen = 0;
  }

  // ---- between messages -------------------------------------------------------------------

  private onStart(d: Buffer, pos: number, end: number, timeMs: number): number {
    // Blank lines before a start line are tolerated (RFC 9112 2.2).
    while (pos < end && (d[pos] === CR || d[pos] === LF)) pos++;
    if (pos === end) return pos;
    this.msg = undefined;
    if (!this.isRequest && httpPrefix(d, pos, end) !== 'yes') {
      // Not (yet) "HTTP/": decide from the first bytes, whatever their chunking.
      this.state = RESP_START;
      this.respScanned = 0;
      this.accLen = 0;
      this.headStartMs = timeMs;
      this.headOffset = this.offset + pos;
      return pos;
    }
    this.startHead(timeMs, this.offset + pos);
    return pos;
  }

  /**
   * Collects a response's first bytes until they show a status line, junk lines before one
   * (skipped, as lenient clients do, when "HTTP/" starts a line within JUNK_LOOKAHEAD bytes), or
   * neither: an HTTP/0.9-style response whose body is everything up to the close.
   */
  /** Bytes of the response start already searched for a status line. */
  private respScanned = 0;

  private onRespStart(d: Buffer, pos: number, end: number, timeMs: number): number {
    const take = Math.min(JUNK_LOOKAHEAD + 5 - this.accLen, end - pos);
    this.reserve(take);
    d.copy(this.acc, this.accLen, pos, pos + take);
    this.accLen += take;
    pos += take;
    this.decideRespStart(timeMs, false);
    return pos;
  }

  private decideRespStart(timeMs: number, final: boolean): void {
    const a = this.acc;
    const n = this.accLen;
    let at = -1;
    const prefix = httpPrefix(a, 0, n);
    if (prefix === 'yes') at = 0;
    else if (prefix === 'no' || final) {
      // Search only what was not searched before (a match needs 6 bytes: a line break + "HTTP/").
      at = findStatusLineStart(a, Math.max(0, this.respScanned - 6), Math.min(n, JUNK_LOOKAHEAD + 5));
      this.respScanned = n;
      if (at < 0 && !final && n < JUNK_LOOKAHEAD + 5) return; // undecided: need more bytes
    } else return;
    this.respScanned = 0;
    const held = Buffer.from(a.subarray(0, n));
    const startMs = this.headStartMs;
    const offset = this.headOffset;
    this.accLen = 0;
    if (at < 0) {
      this.startHttp09(startMs, offset, held);
      return;
    }
    this.startHead(startMs, offset + at);
    if (at > 0) {
      this.junkBeforeHead = at;
      this.counters.bytesSkipped += at;
    }
    this.replay(held, at, timeMs);
  }

  /** Bytes read earlier that a pause left unparsed (they precede the unconsumed input). */
  private pausedRest: Buffer | undefined;

  /** Runs held bytes through the state machine; what a pause leaves over is kept for the caller. */
  private replay(held: Buffer, from: number, timeMs: number): void {
    const k = this.run(held, from, held.length, timeMs);
    if (k < held.length) this.pausedRest = this.pausedRest ? Buffer.concat([this.pausedRest, held.subarray(k)]) : held.subarray(k);
  }

  /**
   * After a pause: stream bytes that come right before the unconsumed part of the last input
   * but were not parsed (held while deciding). The caller treats them as the start of the rest.
   */
  takeUnconsumed(): Buffer | undefined {
    const r = this.pausedRest;
    this.pausedRest = undefined;
    return r;
  }

  /**
   * A server stream that does not start with "HTTP/": an HTTP/0.9-style response, everything up
   * to the close is its body (what browsers and libhtp do). `prefix` are bytes already read.
   */
  private startHttp09(timeMs: number, offset: number, prefix?: Buffer): void {
    const m = newMessage(false, timeMs, offset);
    this.msg = m;
    anomaly(m, 'invalid_status_line', 'no status line: the rest is an HTTP/0.9-style body');
    anomaly(m, 'http09', 'response without status line and headers');
    this.hooks.head(m);
    m.framing = 'until-close';
    this.bodyBuf = undefined;
    this.bodyStored = 0;
    this.accLen = 0;
    this.state = UNTIL_CLOSE;
    if (prefix && prefix.length > 0) this.bodyBytes(prefix, 0, prefix.length);
  }

  private startHead(timeMs: number, offset: number): void {
    // Most heads fit in 2 KB: start there (a pooled allocation) rather than growing by copies.
    if (this.acc.length < 2048) this.acc = Buffer.allocUnsafe(2048);
    this.state = HEAD;
    this.blankishPending = false;
    this.accLen = 0;
    this.lines.length = 0;
    this.blockCut = false;
    this.headStartMs = timeMs;
    this.headOffset = offset;
    this.resetLine();
  }

  private headStartMs = 0;
  private headOffset = 0;
  /** Bytes of junk skipped before the current head (reported on the message). */
  private junkBeforeHead = 0;
  /** A whitespace-only header line was read; the next byte decides whether it ended the head. */
  private blankishPending = false;

  private resetLine(): void {
    this.lineStart = this.accLen;
    this.lineSeen = 0;
    this.lineCut = false;
    this.lastWasCR = false;
  }

  private beginLine(state: number): void {
    this.state = state;
    this.accLen = 0;
    this.resetLine();
  }

  /** Copies d[from, to) into the accumulator within the line and block limits. */
  private accumulate(d: Buffer, from: number, to: number, blockLimit: number): void {
    const n = to - from;
    if (n <= 0) return;
    this.lastWasCR = d[to - 1] === CR;
    let take = n;
    const lineRoom = this.limits.maxLineBytes - this.lineSeen;
    this.lineSeen += n;
    if (take > lineRoom) {
      take = Math.max(0, lineRoom);
      this.lineCut = true;
    }
    const blockRoom = blockLimit - this.accLen;
    if (take > blockRoom) {
      take = Math.max(0, blockRoom);
      this.blockCut = true;
    }
    if (take === 0) return;
    this.reserve(take);
    d.copy(this.acc, this.accLen, from, from + take);
    this.accLen += take;
  }

  private reserve(n: number): void {
    if (this.accLen + n <= this.acc.length) return;
    let size = Math.max(256, this.acc.length * 2);
    while (size < this.accLen + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.acc.copy(next, 0, 0, this.accLen);
    this.acc = next;
  }

  /**
   * Reads up to the end of the current line. Returns [newPos, contentEnd] where contentEnd is the
   * index in acc where the line content ends (before CR LF), or -1 when the line is not complete.
   */
  private readLine(d: Buffer, pos: number, end: number, blockLimit: number): number {
    const lf = d.indexOf(LF, pos);
    if (lf === -1 || lf >= end) {
      this.accumulate(d, pos, end, blockLimit);
      this.lineEnd = -1;
      return end;
    }
    const hadCR = lf > pos ? d[lf - 1] === CR : this.lastWasCR;
    this.accumulate(d, pos, lf, blockLimit); // content and maybe its CR, not the LF
    let contentEnd = this.accLen;
    const crCopied = hadCR && contentEnd > this.lineStart && this.acc[contentEnd - 1] === CR;
    if (crCopied) contentEnd--;
    this.lineHadCR = hadCR;
    this.lineEmpty = this.lineSeen - (hadCR ? 1 : 0) <= 0;
    // Keep the terminator in the block so rawHeaders stays byte-exact when nothing was cut.
    if (this.accLen < blockLimit) {
      this.reserve(2);
      if (hadCR && !crCopied) this.acc[this.accLen++] = CR;
      this.acc[this.accLen++] = LF;
    }
    this.lineEnd = contentEnd;
    return lf + 1;
  }

  private lineEnd = -1;
  private lineHadCR = false;
  /** The line just read had no content at all (not merely none kept). */
  private lineEmpty = false;

  // ---- start line and headers ---------------------------------------------------------------

  /**
   * After a whitespace-only header line, the next line decides: a continuation (starts with
   * SP/HT), an empty line, or "Name:" keep the head going; anything else means the whitespace
   * line ended the head and this line is body. The decision is made on the first byte that
   * settles it, so it does not depend on how the input is chunked. Returns 'head' (keep going),
   * 'body', or 'more' (every byte so far still fits "token *WS").
   */
  private scanAfterBlankish(d: Buffer, pos: number, end: number): { verdict: 'head' | 'body' | 'more'; at: number } {
    let i = pos;
    for (; i < end; i++) {
      const c = d[i];
      if (this.blankScanWs) {
        if (c === SP || c === HT) continue;
        return { verdict: c === COLON ? 'head' : 'body', at: i };
      }
      if (isTokenByte(c)) {
        this.blankScanCount++;
        continue;
      }
      if (this.blankScanCount === 0) return { verdict: c === SP || c === HT || c === CR || c === LF ? 'head' : 'body', at: i };
      if (c === COLON) return { verdict: 'head', at: i };
      if (c === SP || c === HT) {
        this.blankScanWs = true;
        continue;
      }
      return { verdict: 'body', at: i };
    }
    return { verdict: 'more', at: i };
  }

  private blankScanCount = 0;
  private blankScanWs = false;

  /** The whitespace-only line ended the head: what was read of the next line is body. */
  private blankishEnds(m: HttpMessage, timeMs: number): void {
    this.blankishPending = false;
    const held = this.accLen > this.lineStart ? Buffer.from(this.acc.subarray(this.lineStart, this.accLen)) : undefined;
    this.accLen = this.lineStart;
    this.resetLine();
    this.finishHead(m, timeMs);
    if (held) this.replay(held, 0, timeMs);
  }

  private onHead(d: Buffer, pos: number, end: number, timeMs: number): number {
    while (pos < end) {
      if (this.blankishPending && this.msg) {
        const r = this.scanAfterBlankish(d, pos, end);
        if (r.verdict === 'body') {
          this.blankishEnds(this.msg, timeMs);
          return pos;
        }
        if (r.verdict === 'head') this.blankishPending = false;
      }
      pos = this.readLine(d, pos, end, this.limits.maxHeaderBytes);
      if (this.lineEnd < 0) return pos;
      const start = this.lineStart;
      const contentEnd = this.lineEnd;
      const cut = this.lineCut;
      const crlf = this.lineHadCR;
      this.resetLine();
      if (this.lines.length === 0) {
        // The start line.
        let lineEnd = contentEnd;
        let extra = -1;
        const cr = this.acc.indexOf(CR, start);
        if (cr !== -1 && cr < contentEnd) {
          // "HTTP/1.1 200 OK\rName: value": a bare CR ends the start line for lenient clients.
          let k = cr;
          while (k < contentEnd && this.acc[k] === CR) k++;
          if (k < contentEnd && looksLikeHeaderAt(this.acc, k, contentEnd)) {
            lineEnd = cr;
            extra = k;
          }
        }
        this.lines.push(start, lineEnd);
        if (extra >= 0) this.lines.push(extra, contentEnd);
        const m = newMessage(this.isRequest, this.headStartMs, this.headOffset);
        m.startMs = this.headStartMs;
        this.msg = m;
        if (cut) anomaly(m, 'line_too_long', `start line over ${this.limits.maxLineBytes} bytes`);
        if (!crlf) anomaly(m, 'bare_lf', 'line ended by LF without CR');
        this.parseStartLine(m, start, lineEnd);
        if (extra >= 0) anomaly(m, 'bare_cr', 'CR inside the start line');
        if (this.junkBeforeHead > 0) {
          anomaly(m, 'invalid_status_line', `${this.junkBeforeHead} bytes of junk before the status line`);
          this.junkBeforeHead = 0;
        }
        continue;
      }
      const m = this.msg!;
      if (!crlf) anomaly(m, 'bare_lf', 'line ended by LF without CR');
      if (this.lineEmpty) {
        // Blank line: the head is complete.
        this.finishHead(m, timeMs);
        return pos;
      }
      if (contentEnd === start) continue; // nothing of it kept (the block is over its limit)
      if (!cut && isBlankish(this.acc, start, contentEnd)) {
        // A line of only spaces, tabs or CRs: an empty fold if a continuation follows, otherwise
        // (what lenient clients do) the end of the head, unless a header line follows.
        anomaly(m, 'invalid_header', 'whitespace-only line in the header block');
        this.blankishPending = true;
        this.blankScanCount = 0;
        this.blankScanWs = false;
        continue;
      }
      if (cut) anomaly(m, 'line_too_long', `header line over ${this.limits.maxLineBytes} bytes`);
      if (this.lines.length / 2 - 1 >= this.limits.maxHeaders) {
        anomaly(m, 'too_many_headers', `more than ${this.limits.maxHeaders} header lines`);
        continue;
      }
      this.lines.push(start, contentEnd);
    }
    return pos;
  }

  /** The head could not be completed (gap or end of stream): hand over what we have. */
  private headCut(timeMs: number, kind: 'gap' | 'incomplete'): void {
    if (!this.isRequest && this.lines.length === 0 && this.accLen > 0 && !isHttpSlash(this.acc, 0)) {
      this.startHttp09(this.headStartMs, this.headOffset, Buffer.from(this.acc.subarray(0, this.accLen)));
      if (kind === 'gap') anomaly(this.msg!, 'gap', 'bytes lost');
      this.done(timeMs, kind !== 'gap');
      return;
    }
    if (this.lines.length === 0 && this.accLen > 0) {
      // Only part of a start line: take it as the line.
      this.lines.push(0, this.accLen);
      const m = newMessage(this.isRequest, this.headStartMs, this.headOffset);
      this.msg = m;
      this.parseStartLine(m, 0, this.accLen);
    }
    const m = this.msg;
    if (!m) return;
    anomaly(m, kind, 'the header block was cut short');
    buildHeaders(m, this.acc, this.lines, this.accLen);
    this.giveAwayAcc();
    this.done(timeMs, false);
  }

  private parseStartLine(m: HttpMessage, s: number, e: number): void {
    const a = this.acc;
    m.line = a.subarray(s, e); // the accumulator is handed over with the head (giveAwayAcc)
    const bareCR = a.indexOf(CR, s);
    if (bareCR !== -1 && bareCR < e) anomaly(m, 'bare_cr', 'CR inside the start line');
    if (this.isRequest) parseRequestLine(m, a, s, e);
    else parseStatusLine(m, a, s, e);
  }

  private finishHead(m: HttpMessage, timeMs: number): void {
    this.blankishPending = false;
    if (this.blockCut) anomaly(m, 'line_too_long', `header block over ${this.limits.maxHeaderBytes} bytes`);
    buildHeaders(m, this.acc, this.lines, this.accLen);
    this.giveAwayAcc();
    frameBody(m);
    const decision = this.hooks.head(m);
    if (decision === 'interim') {
      this.msg = undefined;
      this.state = START;
      this.accLen = 0;
      this.shrink();
      return;
    }
    if (decision === 'no-body') m.framing = 'none';
    this.shrink();
    this.accLen = 0;
    this.bodyBuf = undefined;
    this.bodyStored = 0;
    switch (m.framing) {
      case 'none':
        this.done(timeMs, true);
        return;
      case 'content-length':
        if (m.contentLength === 0) {
          this.done(timeMs, true);
          return;
        }
        this.remaining = m.contentLength;
        this.state = BODY_CL;
        return;
      case 'chunked':
        this.emptyChunkLines = 0;
        this.beginLine(CHUNK_SIZE);
        return;
      case 'until-close':
        this.state = UNTIL_CLOSE;
        return;
    }
  }

  // ---- bodies -------------------------------------------------------------------------------

  private bodyBytes(d: Buffer, pos: number, n: number): void {
    const m = this.msg!;
    m.bodyLength += n;
    const room = this.limits.bodyCap - this.bodyStored;
    if (room <= 0) {
      if (n > 0) m.bodyTruncated = true;
      return;
    }
    const take = Math.min(room, n);
    if (take < n) m.bodyTruncated = true;
    if (take > 0) {
      const need = this.bodyStored + take;
      let buf = this.bodyBuf;
      if (!buf || buf.length < need) {
        // Start at the declared length when there is one (bounded), else 16 KB; then double.
        const declared = m.framing === 'content-length' ? m.contentLength : 0;
        let size = buf ? buf.length * 2 : Math.max(need, Math.min(declared, 64 * 1024), 16 * 1024);
        while (size < need) size *= 2;
        size = Math.min(size, this.limits.bodyCap);
        const next = Buffer.allocUnsafe(size);
        if (buf) buf.copy(next, 0, 0, this.bodyStored);
        this.bodyBuf = buf = next;
      }
      d.copy(buf, this.bodyStored, pos, pos + take);
      this.bodyStored += take;
    }
  }

  /** CHUNK_SIZE, CHUNK_END and RESYNC read one short line at a time. */
  private onSmallLine(d: Buffer, pos: number, end: number, timeMs: number): number {
    const limit = this.state === RESYNC ? this.limits.maxLineBytes : 1024;
    const before = pos;
    pos = this.readLine(d, pos, end, limit);
    if (this.state === RESYNC) this.counters.bytesSkipped += pos - before;
    if (this.lineEnd < 0) return pos;
    const s = this.lineStart;
    const e = this.lineEnd;
    const cut = this.lineCut;
    const crlf = this.lineHadCR;
    const m = this.msg;
    if (this.state === RESYNC) {
      if (!cut && this.looksLikeStartLine(s, e)) {
        // Found a start line: continue in HEAD with it already read (it sits at acc[0]).
        this.counters.bytesSkipped -= pos - before;
        const lineLen = this.accLen;
        this.state = HEAD;
        this.lines.length = 0;
        this.blockCut = false;
        this.headStartMs = timeMs;
        this.headOffset = this.offset + pos - lineLen;
        this.lines.push(s, e);
        const nm = newMessage(this.isRequest, timeMs, this.headOffset);
        this.msg = nm;
        if (!crlf) anomaly(nm, 'bare_lf', 'line ended by LF without CR');
        this.parseStartLine(nm, s, e);
        this.resetLine();
        return pos;
      }
      this.accLen = 0;
      this.resetLine();
      return pos;
    }
    if (!m) {
      this.beginLine(START);
      return pos;
    }
    if (!crlf) anomaly(m, 'bare_lf', 'chunk line ended by LF without CR');
    if (this.state === CHUNK_END) {
      if (this.lineEmpty) {
        this.beginLine(CHUNK_SIZE);
        return pos;
      }
      // Chunk data longer than its size line said: try the line as the next size.
      anomaly(m, 'invalid_chunk_framing', 'no CRLF after chunk data');
    }
    if (this.lineEmpty) {
      anomaly(m, 'invalid_chunk_framing', 'empty line where a chunk size was expected');
      if (++this.emptyChunkLines > 4) {
        this.invalidChunk(m, timeMs, 'repeated empty chunk-size lines');
        return pos;
      }
      this.beginLine(CHUNK_SIZE);
      return pos;
    }
    if (cut) {
      anomaly(m, 'line_too_long', 'chunk-size line over 1024 bytes');
    }
    const size = parseChunkSize(this.acc, s, e);
    if (size < 0) {
      this.invalidChunk(m, timeMs, `chunk size ${JSON.stringify(latin1(this.acc, s, Math.min(e, s + 40)))}`);
      return pos;
    }
    if (!chunkSizeStrict(this.acc, s, e)) {
      anomaly(m, 'invalid_chunk_size', `lenient chunk size ${JSON.stringify(latin1(this.acc, s, Math.min(e, s + 40)))}`);
    }
    this.emptyChunkLines = 0;
    if (size === 0) {
      this.startTrailers();
      return pos;
    }
    this.remaining = size;
    this.state = CHUNK_DATA;
    this.accLen = 0;
    return pos;
  }

  private invalidChunk(m: HttpMessage, timeMs: number, detail: string): void {
    if (!m.isRequest) {
      // A response that is not really chunked: browsers show the bytes as they come, so the rest
      // of the connection (this line included) is the body, read until close.
      anomaly(m, 'invalid_chunk_size', `${detail}; rest read as the body until close`);
      m.framing = 'until-close';
      this.bodyBytes(this.acc, 0, this.accLen);
      this.accLen = 0;
      this.state = UNTIL_CLOSE;
      return;
    }
    anomaly(m, 'invalid_chunk_size', detail);
    this.done(timeMs, false);
    // What follows cannot be trusted to be a message boundary.
    this.counters.resyncs++;
    this.beginLine(RESYNC);
  }

  private startTrailers(): void {
    this.state = TRAILERS;
    this.accLen = 0;
    this.lines.length = 0;
    this.lines.push(0, 0); // placeholder start line so buildHeaders-style parsing can be reused
    this.blockCut = false;
    this.resetLine();
  }

  private onTrailers(d: Buffer, pos: number, end: number, timeMs: number): number {
    const m = this.msg!;
    while (pos < end) {
      pos = this.readLine(d, pos, end, this.limits.maxHeaderBytes);
      if (this.lineEnd < 0) return pos;
      const s = this.lineStart;
      const e = this.lineEnd;
      this.resetLine();
      if (this.lineEmpty) {
        const headers = m.headers;
        const raw = m.rawHeaders;
        buildHeaders(m, this.acc, this.lines, this.accLen);
        m.trailers = m.headers;
        m.headers = headers;
        m.rawHeaders = raw;
        this.done(timeMs, true);
        return pos;
      }
      if (e > s && this.lines.length / 2 - 1 < this.limits.maxHeaders) this.lines.push(s, e);
    }
    return pos;
  }

  private looksLikeStartLine(s: number, e: number): boolean {
    const a = this.acc;
    if (!this.isRequest) return e - s >= 12 && isHttpSlash(a, s) && a[s + 5] === 49 && a[s + 6] === 46 && a[s + 8] === SP;
    let i = s;
    while (i < e && i - s < 20 && a[i] >= 65 && a[i] <= 90) i++;
    if (i === s || a[i] !== SP || !isKnownMethod(latin1(a, s, i))) return false;
    // ... and ends in " HTTP/1.x"
    return e - i >= 10 && a[e - 9] === SP && isHttpSlash(a, e - 8) && a[e - 3] === 49 && a[e - 2] === 46;
  }

  // ---- completion ---------------------------------------------------------------------------

  private done(timeMs: number, complete: boolean): void {
    const m = this.msg;
    this.msg = undefined;
    this.accLen = 0;
    this.shrink();
    this.state = START;
    if (!m) return;
    m.complete = complete;
    m.endMs = timeMs;
    if (this.bodyBuf && this.bodyStored > 0) m.body = this.bodyBuf.subarray(0, this.bodyStored);
    this.bodyBuf = undefined;
    this.bodyStored = 0;
    if (!complete && m.framing !== 'none') m.bodyTruncated = true;
    this.counters.messages++;
    if (this.hooks.message(m)) this.state = PAUSED;
  }

  /**
   * The message's line and rawHeaders are views into the accumulator (one copy of the head, not
   * three): from here on it belongs to the message, and the parser takes a fresh one.
   */
  private giveAwayAcc(): void {
    this.acc = EMPTY;
    this.accLen = 0;
  }

  /** Large header blocks leave a large accumulator behind: give it back. */
  private shrink(): void {
    if (this.acc.length > 4096) this.acc = Buffer.allocUnsafe(256);
  }
}

