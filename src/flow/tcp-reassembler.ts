// TCP reassembly for packets (pcap replay): turns segments into ordered per-direction byte streams
// of flows keyed by 5-tuple. Handles retransmissions and overlaps (first copy wins, as most stacks
// and Suricata's default policy do), out-of-order segments (queued, bounded), missing handshakes
// (midstream pickup: client/server from ports), TCP Fast Open data on SYN, FIN/RST, and capture
// loss (the peer acknowledged bytes we never saw: recorded as a gap, delivery resumes after it).
import type { FlowEndReason, FlowInfo, FlowSink, StreamDirection } from './types';
import * as decode from '../pcap/decode';
import type { TcpPacket } from '../pcap/decode';
import type { MemoryBudget } from './memory-budget';

export interface ReassemblerOptions {
  /** Bytes per direction delivered at most (the inspection depth); later bytes are dropped. 0 = unlimited. */
  depth?: number;
  /** Out-of-order bytes queued per direction before the hole is declared a gap. */
  maxQueuedBytes?: number;
  /** A flow with no packets for this long (packet time) ends with reason 'timeout'. */
  idleTimeoutMs?: number;
  /** How long a closed flow's tuple is remembered so late retransmissions do not start a new flow. */
  closedLingerMs?: number;
  /**
   * Track flows whose handshake was not seen (default true). Suricata's default
   * (stream.midstream: false) ignores them: set false to match it.
   */
  midstream?: boolean;
  /** After a RST, how long (packet time) the flow stays open for data that may follow an injected RST. */
  resetLingerMs?: number;
  /** Shared memory budget (queued segments are charged to it). */
  budget?: MemoryBudget;
}

export interface ReassemblyCounters {
  tcp_packets: number;
  tcp_flows: number;
  tcp_flows_midstream: number;
  tcp_segments_in_order: number;
  tcp_segments_out_of_order: number;
  tcp_retransmissions: number;
  tcp_overlaps: number;
  tcp_gaps: number;
  tcp_gap_bytes: number;
  tcp_bytes_delivered: number;
  tcp_bytes_beyond_depth: number;
  tcp_queued_bytes: number;
  tcp_packets_ignored: number;
  tcp_flows_timed_out: number;
  tcp_flows_reset: number;
  /** Data seen after a RST on the same flow (a RST injection, or a stack that ignored it). */
  tcp_data_after_rst: number;
  /** A SYN or SYN-ACK restarted a direction that had carried no data yet (repeated SYNs). */
  tcp_syn_rebased: number;
  tcp_packets_midstream_ignored: number;
}

interface Segment {
  offset: number;
  data: Buffer;
  timeMs: number;
}

interface Direction {
  dir: StreamDirection;
  started: boolean;
  /** Sequence number of the next byte we expect, and its offset in the stream. */
  nextSeq: number;
  nextOffset: number;
  /** Bytes were lost before nextOffset and not yet reported with a chunk. */
  gapPending: boolean;
  finOffset: number; // -1 until a FIN is seen
  closed: boolean;
  queue: Segment[];
  queued: number;
  /** The first acknowledgement number the peer sent before we saw data here (-1: none yet). */
  firstAck: number;
  /** ISN+1 of every SYN seen on this direction before data (a few), to match a SYN-ACK against. */
  synNext: number[];
}

interface Conn {
  key: string;
  /** Endpoint key (addr bytes + port) of the client, to tell directions apart. */
  clientEp: string;
  flow: FlowInfo;
  toServer: Direction;
  toClient: Direction;
  state: 'open' | 'closing' | 'closed';
  lastMs: number;
  /** A SYN or SYN-ACK of this connection was seen (so the start of the streams is known). */
  sawSyn: boolean;
  /** Packet time of a RST; the flow ends resetLingerMs later unless it closes first. */
  rstMs: number;
}

// Local bindings: per-packet code must not go through import bindings (getters once transpiled).
const { formatAddr, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } = decode;

const DEFAULT_DEPTH = 1 << 20;
/** Most bytes an acknowledgement may run ahead of the data we saw and still be taken as loss. */
const MAX_ACK_AHEAD = 16 << 20;
const WELL_KNOWN = new Set([21, 25, 53, 80, 81, 110, 143, 443, 587, 993, 995, 1080, 3128, 3306, 5432, 6379, 8000, 8008, 8080, 8081, 8088, 8443, 8888, 9200]);

function newDirection(dir: StreamDirection): Direction {
  return { dir, started: false, nextSeq: 0, nextOffset: 0, gapPending: false, finOffset: -1, closed: false, queue: [], queued: 0, firstAck: -1, synNext: [] };
}

function endpointKey(addr: Buffer, port: number): string {
  return addr.toString('latin1') + String.fromCharCode(port >> 8, port & 0xff);
}

/** True when (portA) looks like the server side of a connection between portA and portB. */
function looksLikeServerPort(a: number, b: number): boolean {
  const ka = WELL_KNOWN.has(a);
  const kb = WELL_KNOWN.has(b);
  if (ka !== kb) return ka;
  if ((a < 1024) !== (b < 1024)) return a < 1024;
  return a < b;
}

export class TcpReassembler {
  private readonly conns = new Map<string, Conn>();
  private readonly byFlowId = new Map<string, Conn>();
  private readonly depth: number;
  private readonly maxQueued: number;
  private readonly idleMs: number;
  private readonly lingerMs: number;
  private readonly rstLingerMs: number;
  private readonly midstream: boolean;
  private flowSeq = 0;
  readonly c: ReassemblyCounters = {
    tcp_packets: 0,
    tcp_flows: 0,
    tcp_flows_midstream: 0,
    tcp_segments_in_order: 0,
    tcp_segments_out_of_order: 0,
    tcp_retransmissions: 0,
    tcp_overlaps: 0,
    tcp_gaps: 0,
    tcp_gap_bytes: 0,
    tcp_bytes_delivered: 0,
    tcp_bytes_beyond_depth: 0,
    tcp_queued_bytes: 0,
    tcp_packets_ignored: 0,
    tcp_flows_timed_out: 0,
    tcp_flows_reset: 0,
    tcp_data_after_rst: 0,
    tcp_syn_rebased: 0,
    tcp_packets_midstream_ignored: 0,
  };

  constructor(
    private readonly sink: FlowSink,
    private readonly opts: ReassemblerOptions = {},
  ) {
    this.depth = opts.depth ?? DEFAULT_DEPTH;
    this.maxQueued = opts.maxQueuedBytes ?? 1 << 20;
    this.idleMs = opts.idleTimeoutMs ?? 600_000;
    this.lingerMs = opts.closedLingerMs ?? 10_000;
    this.rstLingerMs = opts.resetLingerMs ?? 2_000;
    this.midstream = opts.midstream ?? true;
  }

  get activeFlows(): number {
    let n = 0;
    for (const c of this.conns.values()) if (c.state === 'open') n++;
    return n;
  }

  counters(): ReassemblyCounters {
    return { ...this.c };
  }

  /** Feeds one decoded TCP packet captured at `timeMs`. */
  packet(p: TcpPacket, timeMs: number): void {
    this.c.tcp_packets++;
    const a = endpointKey(p.src, p.sport);
    const b = endpointKey(p.dst, p.dport);
    const key = a < b ? a + '|' + b : b + '|' + a;
    const syn = (p.flags & TCP_SYN) !== 0;
    const ackf = (p.flags & TCP_ACK) !== 0;
    let conn = this.conns.get(key);

    if (conn && conn.state !== 'open') {
      // A fresh SYN reuses the tuple; anything else is a late packet of the old connection.
      if (syn && !ackf) {
        this.drop(conn);
        conn = undefined;
      } else {
        this.c.tcp_packets_ignored++;
        return;
      }
    } else if (conn && syn && !ackf && a === conn.clientEp && conn.toServer.started) {
      // A new SYN with another ISN on a live tuple: the old connection is gone (port reuse).
      if (((p.seq + 1 - conn.toServer.nextSeq) | 0) !== 0 && conn.toServer.nextOffset > 0) {
        this.finish(conn, this.endReason(conn, 'closed'));
        this.drop(conn);
        conn = undefined;
      }
    }

    if (!conn) {
      // Pure ACKs, RSTs and FINs without data do not start a flow worth tracking.
      if (!syn && p.payload.length === 0) {
        this.c.tcp_packets_ignored++;
        return;
      }
      if (!syn && !this.midstream) {
        this.c.tcp_packets_midstream_ignored++;
        return;
      }
      let senderIsClient: boolean;
      if (syn) senderIsClient = !ackf;
      else senderIsClient = !looksLikeServerPort(p.sport, p.dport) || p.sport === p.dport;
      if (!syn) this.c.tcp_flows_midstream++;
      conn = this.create(key, p, senderIsClient, a, b, timeMs);
    } else if (timeMs - conn.lastMs >= 1000) {
      // Keep the map in least-recently-active order for timeouts (to the second: cheaper).
      this.conns.delete(key);
      this.conns.set(key, conn);
    }
    conn.lastMs = timeMs;
    conn.flow.lastMs = timeMs;
    this.opts.budget?.touch(conn.flow.id);

    const fromClient = a === conn.clientEp;
    const d = fromClient ? conn.toServer : conn.toClient;
    const other = fromClient ? conn.toClient : conn.toServer;

    if (ackf && !other.started && other.firstAck < 0) other.firstAck = p.ack;
    if (syn) {
      conn.sawSyn = true;
      if (!ackf && d.synNext.length < 32) d.synNext.push((p.seq + 1) >>> 0);
      if (!d.started) {
        d.started = true;
        d.nextSeq = (p.seq + 1) >>> 0;
        d.nextOffset = 0;
      } else if (d.nextOffset === 0 && d.queue.length === 0 && d.nextSeq !== ((p.seq + 1) >>> 0)) {
        // Another SYN (new ISN) before any data: the latest handshake is the one that counts.
        d.nextSeq = (p.seq + 1) >>> 0;
        this.c.tcp_syn_rebased++;
      }
      if (ackf && other.started && other.nextOffset === 0 && other.queue.length === 0 && other.nextSeq !== p.ack && other.synNext.includes(p.ack)) {
        // The SYN-ACK names which of the client's SYNs the server accepted.
        other.nextSeq = p.ack;
        this.c.tcp_syn_rebased++;
      }
      // TCP Fast Open: data on the SYN starts at ISN+1.
      if (p.payload.length > 0) this.segment(conn, d, (p.seq + 1) >>> 0, p.payload, timeMs);
    } else if (p.payload.length > 0) {
      if (!d.started) {
        d.started = true;
        d.nextSeq = p.seq;
        d.nextOffset = 0;
        // Unless the handshake told us where this direction starts, there may be bytes before.
        d.gapPending = !(conn.sawSyn && d.firstAck === p.seq);
      }
      this.segment(conn, d, p.seq, p.payload, timeMs);
    }

    // The peer acknowledged bytes of the other direction we never saw: capture loss.
    if (ackf && other.started && !other.closed) this.acked(conn, other, p.ack, timeMs);

    if (p.flags & TCP_FIN && d.started) {
      const finSeq = (p.seq + (syn ? 1 : 0) + p.payload.length) >>> 0;
      d.finOffset = d.nextOffset + ((finSeq - d.nextSeq) | 0);
      this.checkClosed(conn, d, timeMs);
    }
    if (p.flags & TCP_RST) {
      // Not the end yet: an injected RST (an evasion) is followed by more data. The flow ends
      // when both sides close, or resetLingerMs after the RST (at expire/flush).
      if (conn.rstMs < 0) this.c.tcp_flows_reset++;
      conn.rstMs = timeMs;
    } else if (conn.rstMs >= 0 && p.payload.length > 0) {
      this.c.tcp_data_after_rst++;
    }
    if (conn.toServer.closed && conn.toClient.closed && conn.state === 'open') {
      this.finish(conn, 'closed');
      conn.state = 'closed';
    }
  }

  private endReason(conn: Conn, otherwise: FlowEndReason): FlowEndReason {
    return conn.rstMs >= 0 && !(conn.toServer.closed && conn.toClient.closed) ? 'reset' : otherwise;
  }

  private create(key: string, p: TcpPacket, senderIsClient: boolean, a: string, b: string, timeMs: number): Conn {
    const sAddr = formatAddr(p.src);
    const dAddr = formatAddr(p.dst);
    const client = senderIsClient ? { addr: sAddr, port: p.sport } : { addr: dAddr, port: p.dport };
    const server = senderIsClient ? { addr: dAddr, port: p.dport } : { addr: sAddr, port: p.sport };
    const id = `pcap:${++this.flowSeq}:${client.addr}:${client.port}>${server.addr}:${server.port}`;
    const flow: FlowInfo = {
      id,
      source: 'pcap',
      family: p.family,
      client,
      server,
      localRole: 'unknown',
      tls: false,
      startMs: timeMs,
      lastMs: timeMs,
      gaps: 0,
      bytesToServer: 0,
      bytesToClient: 0,
    };
    const conn: Conn = {
      key,
      clientEp: senderIsClient ? a : b,
      flow,
      toServer: newDirection('to_server'),
      toClient: newDirection('to_client'),
      state: 'open',
      lastMs: timeMs,
      sawSyn: false,
      rstMs: -1,
    };
    this.conns.set(key, conn);
    this.byFlowId.set(id, conn);
    this.c.tcp_flows++;
    return conn;
  }

  /** A data segment starting at sequence `seq`. */
  private segment(conn: Conn, d: Direction, seq: number, data: Buffer, timeMs: number): void {
    if (d.closed) {
      this.c.tcp_retransmissions++;
      return;
    }
    let off = d.nextOffset + ((seq - d.nextSeq) | 0);
    const end = off + data.length;
    if (end <= d.nextOffset) {
      this.c.tcp_retransmissions++;
      return;
    }
    if (off < d.nextOffset) {
      this.c.tcp_overlaps++;
      data = data.subarray(d.nextOffset - off);
      off = d.nextOffset;
    }
    if (off === d.nextOffset) {
      this.c.tcp_segments_in_order++;
      this.deliver(conn, d, data, timeMs);
      this.drain(conn, d);
      this.checkClosed(conn, d, timeMs);
      return;
    }
    // Ahead of what we have: queue a copy (the packet buffer is reused).
    this.c.tcp_segments_out_of_order++;
    if (this.depth > 0 && off >= this.depth) {
      this.c.tcp_bytes_beyond_depth += data.length;
      conn.flow.truncated = true;
      return;
    }
    const seg: Segment = { offset: off, data: Buffer.from(data), timeMs };
    let i = d.queue.length;
    while (i > 0 && d.queue[i - 1].offset > off) i--;
    d.queue.splice(i, 0, seg);
    d.queued += data.length;
    this.c.tcp_queued_bytes += data.length;
    this.opts.budget?.charge(conn.flow.id, data.length);
    if (d.queued > this.maxQueued) this.skipTo(conn, d, d.queue[0].offset);
  }

  /** Declares bytes up to `offset` lost, then delivers what is queued from there. */
  private skipTo(conn: Conn, d: Direction, offset: number): void {
    if (offset <= d.nextOffset) return;
    const lost = offset - d.nextOffset;
    d.nextSeq = (d.nextSeq + lost) >>> 0;
    d.nextOffset = offset;
    d.gapPending = true;
    this.c.tcp_gaps++;
    this.c.tcp_gap_bytes += lost;
    conn.flow.gaps = (conn.flow.gaps ?? 0) + 1;
    this.drain(conn, d);
  }

  /** Delivers queued segments that have become contiguous. */
  private drain(conn: Conn, d: Direction): void {
    while (d.queue.length > 0 && d.queue[0].offset <= d.nextOffset) {
      const seg = d.queue.shift()!;
      d.queued -= seg.data.length;
      this.c.tcp_queued_bytes -= seg.data.length;
      this.opts.budget?.charge(conn.flow.id, -seg.data.length);
      const end = seg.offset + seg.data.length;
      if (end <= d.nextOffset) {
        this.c.tcp_retransmissions++;
        continue;
      }
      if (seg.offset < d.nextOffset) this.c.tcp_overlaps++;
      this.deliver(conn, d, seg.data.subarray(d.nextOffset - seg.offset), seg.timeMs);
    }
  }

  private deliver(conn: Conn, d: Direction, data: Buffer, timeMs: number): void {
    let len = data.length;
    if (this.depth > 0 && d.nextOffset + len > this.depth) {
      const keep = Math.max(0, this.depth - d.nextOffset);
      this.c.tcp_bytes_beyond_depth += len - keep;
      conn.flow.truncated = true;
      data = data.subarray(0, keep);
    }
    const offset = d.nextOffset;
    d.nextOffset += len;
    d.nextSeq = (d.nextSeq + len) >>> 0;
    if (data.length === 0) return;
    len = data.length;
    this.c.tcp_bytes_delivered += len;
    if (d.dir === 'to_server') conn.flow.bytesToServer = (conn.flow.bytesToServer ?? 0) + len;
    else conn.flow.bytesToClient = (conn.flow.bytesToClient ?? 0) + len;
    const gapBefore = d.gapPending;
    d.gapPending = false;
    this.sink.data({ flow: conn.flow, dir: d.dir, offset, data, gapBefore, timeMs });
  }

  private acked(conn: Conn, d: Direction, ack: number, timeMs: number): void {
    // Only a plausible acknowledgement counts (crafted captures carry ack 0 or junk): ahead of
    // what we have by at most MAX_ACK_AHEAD.
    if (ack === 0) return;
    const ahead = (ack - d.nextSeq) | 0;
    if (ahead <= 0 || ahead > MAX_ACK_AHEAD) return;
    let target = d.nextOffset + ahead;
    // A FIN takes one sequence number: an ACK of it is not lost data.
    if (d.finOffset >= 0 && target > d.finOffset) target = d.finOffset;
    // Only what is not waiting in the queue is lost.
    if (target <= d.nextOffset) return;
    if (d.queue.length > 0 && d.queue[0].offset <= target) target = d.queue[0].offset;
    this.skipTo(conn, d, target);
    this.checkClosed(conn, d, timeMs);
  }

  private checkClosed(conn: Conn, d: Direction, _timeMs: number): void {
    if (!d.closed && d.finOffset >= 0 && d.nextOffset >= d.finOffset) d.closed = true;
  }

  /** Flushes what is queued (with gaps) and ends the flow. */
  private finish(conn: Conn, reason: FlowEndReason): void {
    if (conn.state !== 'open') return;
    conn.state = 'closing'; // delivering the rest below can re-enter (evictions): not twice
    for (const d of [conn.toServer, conn.toClient]) {
      while (d.queue.length > 0) {
        const before = d.queue.length;
        if (d.queue[0].offset > d.nextOffset) this.skipTo(conn, d, d.queue[0].offset);
        else this.drain(conn, d);
        if (d.queue.length === before) {
          const seg = d.queue.shift()!; // cannot happen; never loop forever on it
          d.queued -= seg.data.length;
          this.c.tcp_queued_bytes -= seg.data.length;
        }
      }
    }
    conn.state = 'closed';
    this.opts.budget?.release(conn.flow.id);
    this.byFlowId.delete(conn.flow.id);
    this.sink.end(conn.flow, reason);
  }

  private drop(conn: Conn): void {
    this.conns.delete(conn.key);
    this.byFlowId.delete(conn.flow.id);
  }

  /**
   * Ends flows idle since before `nowMs - idleTimeout` (after a RST: quiet for resetLingerMs), and
   * forgets closed tuples. Returns flows ended. A full pass: call it about once a second.
   */
  expire(nowMs: number): number {
    let n = 0;
    for (const conn of this.conns.values()) {
      const quiet = nowMs - conn.lastMs;
      if (conn.state !== 'open') {
        if (quiet >= this.lingerMs) this.drop(conn);
        continue;
      }
      if (conn.rstMs >= 0 && quiet >= this.rstLingerMs) {
        this.finish(conn, 'reset');
        continue; // stays as a tombstone for late packets
      }
      if (quiet < this.idleMs) continue;
      this.c.tcp_flows_timed_out++;
      this.finish(conn, this.endReason(conn, 'timeout'));
      this.drop(conn);
      n++;
    }
    return n;
  }

  /** Ends one flow now (eviction). Later packets of its tuple are ignored until it lingers out. */
  close(flowId: string, reason: FlowEndReason): void {
    const conn = this.byFlowId.get(flowId);
    if (!conn) return;
    this.finish(conn, reason);
    conn.state = 'closed';
  }

  /** Ends every flow (end of the capture). */
  flush(reason: FlowEndReason = 'end-of-input'): void {
    for (const conn of [...this.conns.values()]) {
      this.finish(conn, this.endReason(conn, reason));
      this.drop(conn);
    }
  }
}
