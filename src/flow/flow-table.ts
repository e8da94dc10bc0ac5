// Live flows: turns CaptureEvents (per socket operation, from the eBPF capture) into ordered
// per-direction StreamChunks of flows keyed by network namespace + socket cookie.
//
// A send on a client socket is to_server, a recv on it to_client, and the other way round on a
// server socket. Bytes the kernel moved but we did not capture (truncated payloads, sendfile,
// unreadable buffers) advance the stream offset and mark a gap, so parsers know to resynchronise.
// TLS plaintext events (tls_write/tls_read) replace the socket's ciphertext stream: from the first
// one on, the flow's streams are the plaintext and socket I/O of the connection is ignored.
import type { CaptureEvent, ProcessInfo, SocketRole } from '../capture/types';
import type { FlowEndReason, FlowInfo, FlowSink, StreamDirection } from './types';

export interface FlowTableOptions {
  /** Bytes per direction delivered at most (default 1 MiB; 0 = unlimited); the flow is marked truncated beyond. */
  depth?: number;
  /** Flows without events for this long end with reason 'timeout' at the next expire(). */
  idleTimeoutMs?: number;
  /** Most flows tracked; the least recently active one is evicted beyond it. */
  maxFlows?: number;
  /** Process facts for a pid (e.g. a /proc cache); by default only what the event carries. */
  processInfo?: (pid: number, ev: CaptureEvent) => ProcessInfo | undefined;
}

export interface FlowTableCounters {
  live_events: number;
  live_flows: number;
  live_bytes_delivered: number;
  live_bytes_lost: number;
  live_gaps: number;
  live_bytes_beyond_depth: number;
  live_peek_ignored: number;
  live_ciphertext_ignored: number;
  /** Socket I/O not marked as ciphertext on a connection that already has TLS plaintext (a TLS link may be wrong). */
  live_unmarked_ignored_after_tls: number;
  live_tls_flows: number;
  live_flows_timed_out: number;
  live_flows_evicted: number;
}

interface Dir {
  /** Stream offset of the next byte (including bytes lost). */
  offset: number;
  /** Bytes delivered (for the depth). */
  delivered: number;
  gapPending: boolean;
}

interface LiveFlow {
  key: string;
  flow: FlowInfo;
  toServer: Dir;
  toClient: Dir;
}

const WELL_KNOWN = new Set([21, 25, 53, 80, 110, 143, 443, 587, 993, 995, 3128, 3306, 5432, 6379, 8000, 8080, 8443, 8888, 9200]);

function newDir(): Dir {
  return { offset: 0, delivered: 0, gapPending: false };
}

export class FlowTable {
  private readonly flows = new Map<string, LiveFlow>();
  private readonly byId = new Map<string, LiveFlow>();
  private readonly depth: number;
  private readonly idleMs: number;
  private readonly maxFlows: number;
  readonly c: FlowTableCounters = {
    live_events: 0,
    live_flows: 0,
    live_bytes_delivered: 0,
    live_bytes_lost: 0,
    live_gaps: 0,
    live_bytes_beyond_depth: 0,
    live_peek_ignored: 0,
    live_ciphertext_ignored: 0,
    live_unmarked_ignored_after_tls: 0,
    live_tls_flows: 0,
    live_flows_timed_out: 0,
    live_flows_evicted: 0,
  };

  constructor(
    private readonly sink: FlowSink,
    private readonly opts: FlowTableOptions = {},
  ) {
    this.depth = opts.depth ?? 1 << 20;
    this.idleMs = opts.idleTimeoutMs ?? 600_000;
    this.maxFlows = opts.maxFlows ?? 500_000;
  }

  get size(): number {
    return this.flows.size;
  }

  counters(): FlowTableCounters {
    return { ...this.c };
  }

  /** The flow a socket maps to, if tracked. */
  lookup(netnsIno: number, socketCookie: bigint): FlowInfo | undefined {
    return this.flows.get(`${netnsIno}:${socketCookie}`)?.flow;
  }

  push(ev: CaptureEvent): void {
    this.c.live_events++;
    const key = this.keyOf(ev);
    if (ev.type === 'close') {
      const lf = this.flows.get(key);
      if (lf) this.endFlow(lf, 'closed');
      return;
    }
    let lf = this.flows.get(key);
    if (!lf) lf = this.create(key, ev);
    else {
      if (ev.timeMs - lf.flow.lastMs >= 1000) {
        // Least-recently-active order for timeouts and eviction, kept to the second (cheaper).
        this.flows.delete(key);
        this.flows.set(key, lf);
      }
      this.learn(lf, ev);
    }
    const flow = lf.flow;
    flow.lastMs = ev.timeMs;
    switch (ev.type) {
      case 'connect':
      case 'established':
        return;
      case 'send':
      case 'recv':
        if (ev.flags.peek) {
          this.c.live_peek_ignored++; // the same bytes will be read again
          return;
        }
        if (flow.tls) {
          // The plaintext stream replaced the socket's: its I/O is not inspected. Unmarked bytes
          // cannot join the plaintext stream either; they are counted apart (a wrong TLS link?).
          if (ev.flags.tlsCiphertext) this.c.live_ciphertext_ignored++;
          else this.c.live_unmarked_ignored_after_tls++;
          return;
        }
        this.data(lf, ev, ev.type === 'send');
        return;
      case 'tls_write':
      case 'tls_read':
        if (!flow.tls) {
          flow.tls = true;
          flow.tlsLink = ev.tlsLink ?? 'none';
          lf.toServer = newDir();
          lf.toClient = newDir();
          this.c.live_tls_flows++;
        }
        this.data(lf, ev, ev.type === 'tls_write');
        return;
    }
  }

  private keyOf(ev: CaptureEvent): string {
    if ((ev.type === 'tls_write' || ev.type === 'tls_read') && (ev.socketCookie === 0n || ev.tlsLink === 'none')) {
      // Plaintext we could not tie to a socket: one stream per thread is the best guess.
      return `${ev.netnsIno}:tls-${ev.pid}-${ev.tid}`;
    }
    return `${ev.netnsIno}:${ev.socketCookie}`;
  }

  private roleOf(ev: CaptureEvent): SocketRole {
    if (ev.role !== 'unknown') return ev.role;
    if (ev.type === 'connect') return 'client';
    // Port heuristic: the well-known or lower port is the server's.
    const l = ev.localPort;
    const r = ev.remotePort;
    const lk = WELL_KNOWN.has(l);
    const rk = WELL_KNOWN.has(r);
    if (lk !== rk) return lk ? 'server' : 'client';
    return l < r ? 'server' : 'client';
  }

  private create(key: string, ev: CaptureEvent): LiveFlow {
    if (this.flows.size >= this.maxFlows) {
      const oldest = this.flows.values().next().value as LiveFlow | undefined;
      if (oldest) {
        this.c.live_flows_evicted++;
        this.endFlow(oldest, 'evicted');
      }
    }
    const role = this.roleOf(ev);
    const local = { addr: ev.localAddr, port: ev.localPort };
    const remote = { addr: ev.remoteAddr, port: ev.remotePort };
    const flow: FlowInfo = {
      id: `live:${key}`,
      source: 'live',
      family: ev.family,
      client: role === 'server' ? remote : local,
      server: role === 'server' ? local : remote,
      localRole: ev.role !== 'unknown' ? ev.role : role,
      netnsIno: ev.netnsIno,
      socketCookie: ev.socketCookie,
      process: ev.pid > 0 ? this.processOf(ev) : undefined,
      tls: false,
      startMs: ev.timeMs,
      lastMs: ev.timeMs,
      gaps: 0,
      bytesToServer: 0,
      bytesToClient: 0,
    };
    const lf: LiveFlow = { key, flow, toServer: newDir(), toClient: newDir() };
    this.flows.set(key, lf);
    this.byId.set(flow.id, lf);
    this.c.live_flows++;
    return lf;
  }

  private processOf(ev: CaptureEvent): ProcessInfo {
    return this.opts.processInfo?.(ev.pid, ev) ?? { pid: ev.pid, uid: ev.uid, comm: ev.comm, cgroupId: ev.cgroupId };
  }

  /** Later events can tell us what the first did not (the full tuple at 'established', the process). */
  private learn(lf: LiveFlow, ev: CaptureEvent): void {
    const f = lf.flow;
    // Events from softirq context (e.g. a server socket's 'established') carry no process.
    if (!f.process && ev.pid > 0) f.process = this.processOf(ev);
    if (ev.type === 'established' || (f.client.port === 0 && f.server.port === 0)) {
      if (!ev.remotePort && !ev.localPort) return;
      const role: SocketRole = f.localRole === 'unknown' ? this.roleOf(ev) : f.localRole;
      const local = { addr: ev.localAddr, port: ev.localPort };
      const remote = { addr: ev.remoteAddr, port: ev.remotePort };
      f.client = role === 'server' ? remote : local;
      f.server = role === 'server' ? local : remote;
      f.family = ev.family;
    }
  }

  private data(lf: LiveFlow, ev: CaptureEvent, outgoing: boolean): void {
    const flow = lf.flow;
    const localIsClient = flow.localRole !== 'server';
    const dirName: StreamDirection = outgoing === localIsClient ? 'to_server' : 'to_client';
    const d = dirName === 'to_server' ? lf.toServer : lf.toClient;
    const len = ev.len > 0 ? ev.len : 0;
    if (len === 0) return;
    const usable = ev.flags.noPayload || ev.flags.readFault ? 0 : Math.min(ev.captured, ev.payload.length, len);
    if (usable === 0) {
      this.lose(flow, d, len);
      return;
    }
    let data = ev.payload.subarray(0, usable);
    const offset = d.offset;
    d.offset += len;
    if (this.depth > 0 && d.delivered + data.length > this.depth) {
      const keep = Math.max(0, this.depth - d.delivered);
      this.c.live_bytes_beyond_depth += data.length - keep;
      flow.truncated = true;
      data = data.subarray(0, keep);
    }
    if (data.length > 0) {
      d.delivered += data.length;
      this.c.live_bytes_delivered += data.length;
      if (dirName === 'to_server') flow.bytesToServer = (flow.bytesToServer ?? 0) + data.length;
      else flow.bytesToClient = (flow.bytesToClient ?? 0) + data.length;
      const gapBefore = d.gapPending;
      d.gapPending = false;
      this.sink.data({ flow, dir: dirName, offset, data, gapBefore, timeMs: ev.timeMs });
    }
    if (usable < len) this.lose(flow, d, 0, len - usable);
  }

  /** `len` bytes moved that we did not see (offset advances by `len`, or `already` were accounted). */
  private lose(flow: FlowInfo, d: Dir, len: number, already = 0): void {
    d.offset += len;
    const lost = len + already;
    this.c.live_bytes_lost += lost;
    if (!d.gapPending) {
      d.gapPending = true;
      this.c.live_gaps++;
      flow.gaps = (flow.gaps ?? 0) + 1;
    }
  }

  private endFlow(lf: LiveFlow, reason: FlowEndReason): void {
    if (this.flows.get(lf.key) !== lf) return;
    this.flows.delete(lf.key);
    this.byId.delete(lf.flow.id);
    this.sink.end(lf.flow, reason);
  }

  /** Ends flows idle since before nowMs - idleTimeout. Returns how many. */
  expire(nowMs: number): number {
    let n = 0;
    // Deleting the entry being visited is safe while iterating a Map.
    for (const lf of this.flows.values()) {
      if (nowMs - lf.flow.lastMs < this.idleMs) {
        if (nowMs - lf.flow.lastMs < this.idleMs - 1000) break; // order is kept to the second
        continue;
      } // least recently active first
      this.c.live_flows_timed_out++;
      this.endFlow(lf, 'timeout');
      n++;
    }
    return n;
  }

  /** Ends one flow now (memory eviction). */
  close(flowId: string, reason: FlowEndReason): void {
    const lf = this.byId.get(flowId);
    if (lf) {
      if (reason === 'evicted') this.c.live_flows_evicted++;
      this.endFlow(lf, reason);
    }
  }

  flush(reason: FlowEndReason = 'end-of-input'): void {
    for (const lf of [...this.flows.values()]) this.endFlow(lf, reason);
  }
}
