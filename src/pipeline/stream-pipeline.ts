// The stage after flows: takes StreamChunks of any flow producer (pcap reassembler, live flow
// table), decides per flow whether it speaks HTTP/1.x, runs an HttpSession for HTTP flows, passes
// other TCP data on as raw stream chunks, and keeps everything it holds inside one memory budget.
import type { FlowEndReason, FlowInfo, FlowSink, StreamChunk } from '../flow/types';
import type { HttpTransaction } from '../protocols/http/types';
import { HttpSession, type HttpSessionOptions } from '../protocols/http/session';
import { looksLikeRequestStart, looksLikeResponseStart } from '../protocols/http/methods';
import { MemoryBudget } from '../flow/memory-budget';

export type PipelineEvent =
  /** A request is complete (headers and body, or cut short at a gap/flow end: see request.complete). */
  | { kind: 'http-request'; tx: HttpTransaction }
  /** The response to tx.request is complete; tx has both. */
  | { kind: 'http-response'; tx: HttpTransaction }
  /** TCP data of a non-HTTP flow (or of a tunnel after CONNECT/Upgrade; of every flow with rawStreams 'all'). */
  | { kind: 'stream'; chunk: StreamChunk; http: boolean }
  /** The flow ended; nothing more will come for it. */
  | { kind: 'flow-end'; flow: FlowInfo; reason: FlowEndReason };

export type PipelineEventHandler = (ev: PipelineEvent) => void;

export interface PipelineOptions {
  /** 'non-http' (default): stream events only for non-HTTP flows and tunnels. 'all': for HTTP flows too. */
  rawStreams?: 'non-http' | 'all';
  http?: HttpSessionOptions;
  /** Global cap on bytes held by all flows (default 256 MiB); least-recently-active flows are evicted beyond it. */
  memoryCap?: number;
  /** Most flows tracked at once (default 500k); the least recently active are evicted beyond it. */
  maxFlows?: number;
  /** Share a budget with a producer (the reassembler charges its queued segments to it). */
  budget?: MemoryBudget;
}

/** Something that owns flows and can end one on request (eviction). */
export interface FlowProducer {
  close(flowId: string, reason: FlowEndReason): void;
}

type Proto = 'detect' | 'http' | 'raw';

interface FlowState {
  flow: FlowInfo;
  proto: Proto;
  tls: boolean;
  pending: StreamChunk[];
  pendingBytes: number;
  http?: HttpSession;
  mem: number;
}

/** Bytes we wait for before deciding a flow is not HTTP. */
const DETECT_BYTES = 64;

export interface PipelineCounters {
  flows_active: number;
  flows_total: number;
  flows_http: number;
  flows_raw: number;
  flows_evicted: number;
  flows_ended: number;
  chunks: number;
  bytes: number;
  gaps: number;
  http_requests: number;
  http_responses: number;
  http_anomalies: number;
  http_tunnels: number;
  http_resyncs: number;
  /** Requests forgotten unanswered (over 1024 waiting on one connection). */
  http_pending_dropped: number;
  stream_chunks: number;
  memory_used_bytes: number;
  memory_peak_bytes: number;
  memory_cap_bytes: number;
}

export class StreamPipeline implements FlowSink {
  readonly budget: MemoryBudget;
  private readonly flows = new Map<string, FlowState>();
  private readonly producers: FlowProducer[] = [];
  private readonly rawAll: boolean;
  private readonly c = {
    flows_total: 0,
    flows_http: 0,
    flows_raw: 0,
    flows_evicted: 0,
    flows_ended: 0,
    chunks: 0,
    bytes: 0,
    gaps: 0,
    http_requests: 0,
    http_responses: 0,
    http_anomalies: 0,
    http_tunnels: 0,
    http_resyncs: 0,
    http_pending_dropped: 0,
    stream_chunks: 0,
  };

  constructor(
    private readonly onEvent: PipelineEventHandler,
    private readonly opts: PipelineOptions = {},
  ) {
    this.rawAll = opts.rawStreams === 'all';
    this.budget = opts.budget ?? new MemoryBudget(opts.memoryCap ?? 256 << 20, opts.maxFlows ?? 500_000);
    this.budget.evictor = (id) => this.evict(id);
  }

  /** Registers a producer so evictions can end the flow at its source too. */
  attach(producer: FlowProducer): void {
    this.producers.push(producer);
  }

  counters(): PipelineCounters {
    return {
      ...this.c,
      flows_active: this.flows.size,
      memory_used_bytes: this.budget.used,
      memory_peak_bytes: this.budget.peak,
      memory_cap_bytes: this.budget.cap,
    };
  }

  data(chunk: StreamChunk): void {
    const flow = chunk.flow;
    let st = this.flows.get(flow.id);
    if (!st) {
      st = { flow, proto: 'detect', tls: flow.tls, pending: [], pendingBytes: 0, mem: 0 };
      this.flows.set(flow.id, st);
      this.c.flows_total++;
    } else if (flow.tls !== st.tls) {
      // TLS plaintext replaces the ciphertext stream: start over on the plaintext.
      this.resetProtocol(st);
      st.tls = flow.tls;
    }
    this.c.chunks++;
    this.c.bytes += chunk.data.length;
    if (chunk.gapBefore) this.c.gaps++;
    this.budget.touch(flow.id);

    if (st.proto === 'detect') this.detect(st, chunk);
    else this.route(st, chunk);

    this.account(st);
    this.budget.enforce(flow.id);
  }

  end(flow: FlowInfo, reason: FlowEndReason): void {
    const st = this.flows.get(flow.id);
    if (st) {
      if (st.proto === 'detect') this.decide(st, st.pending.length > 0 && this.isHttpStart(st) === 'yes' ? 'http' : 'raw');
      st.http?.end(flow.lastMs);
      this.flows.delete(flow.id);
      if (st.http) this.collect(st.http);
    }
    this.budget.release(flow.id);
    this.c.flows_ended++;
    this.onEvent({ kind: 'flow-end', flow, reason });
  }

  /** Ends every flow this pipeline still tracks (producers should flush first). */
  flush(reason: FlowEndReason = 'end-of-input'): void {
    for (const st of [...this.flows.values()]) this.end(st.flow, reason);
  }

  private evict(id: string): void {
    this.c.flows_evicted++;
    const before = this.flows.has(id);
    for (const p of this.producers) p.close(id, 'evicted');
    // Producers end the flow through end(); without one (or if it did not know the flow), end it here.
    const st = this.flows.get(id);
    if (st) this.end(st.flow, 'evicted');
    else if (!before) this.budget.release(id);
  }

  private account(st: FlowState): void {
    const held = st.pendingBytes + (st.http ? st.http.heldBytesTotal : 0);
    if (held !== st.mem) {
      this.budget.charge(st.flow.id, held - st.mem);
      st.mem = held;
    }
  }

  private resetProtocol(st: FlowState): void {
    if (st.http) this.collect(st.http);
    st.http = undefined;
    st.proto = 'detect';
    st.pending = [];
    st.pendingBytes = 0;
  }

  // ---- protocol detection -------------------------------------------------------------------

  private isHttpStart(st: FlowState): 'yes' | 'no' | 'maybe' {
    // Look at the first bytes of whichever direction spoke first.
    const first = st.pending[0];
    const parts = st.pending.filter((c) => c.dir === first.dir).map((c) => c.data);
    const head = parts.length === 1 ? parts[0] : Buffer.concat(parts);
    let i = 0;
    while (i < head.length && (head[i] === 13 || head[i] === 10)) i++;
    if (i === head.length) return 'maybe';
    return first.dir === 'to_server' ? looksLikeRequestStart(head, i) : looksLikeResponseStart(head, i);
  }

  private detect(st: FlowState, chunk: StreamChunk): void {
    st.pending.push({ ...chunk, data: Buffer.from(chunk.data) });
    st.pendingBytes += chunk.data.length;
    const verdict = this.isHttpStart(st);
    if (verdict === 'maybe' && st.pendingBytes < DETECT_BYTES * 8) return;
    this.decide(st, verdict === 'yes' ? 'http' : 'raw');
  }

  private decide(st: FlowState, proto: 'http' | 'raw'): void {
    st.proto = proto;
    if (proto === 'http') {
      this.c.flows_http++;
      st.http = new HttpSession(st.flow, (ev) => this.fromHttp(ev), this.opts.http);
    } else this.c.flows_raw++;
    const pending = st.pending;
    st.pending = [];
    st.pendingBytes = 0;
    for (const c of pending) this.route(st, c);
  }

  private route(st: FlowState, chunk: StreamChunk): void {
    if (st.proto === 'http') {
      if (this.rawAll) this.stream(chunk, true);
      st.http!.data(chunk);
    } else {
      this.stream(chunk, false);
    }
  }

  private stream(chunk: StreamChunk, http: boolean): void {
    this.c.stream_chunks++;
    this.onEvent({ kind: 'stream', chunk, http });
  }

  private fromHttp(ev: import('../protocols/http/session').HttpSessionEvent): void {
    switch (ev.kind) {
      case 'http-request':
        this.c.http_requests++;
        this.onEvent(ev);
        break;
      case 'http-response':
        this.c.http_responses++;
        this.onEvent(ev);
        break;
      case 'stream':
        // Tunnel bytes: already emitted as raw when rawStreams is 'all'.
        if (!this.rawAll) this.stream(ev.chunk, false);
        break;
    }
  }

  /** Folds a finished session's counters into ours. */
  private collect(s: HttpSession): void {
    this.c.http_anomalies += s.counters.anomalies;
    this.c.http_tunnels += s.counters.tunnels;
    this.c.http_pending_dropped += s.counters.pendingDropped;
    s.counters.pendingDropped = 0;
    const pc = s.parserCounters();
    this.c.http_resyncs += pc.req.resyncs + pc.resp.resyncs;
    s.counters.anomalies = 0;
    s.counters.tunnels = 0;
  }
}
