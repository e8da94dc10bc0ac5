// Shared helpers for the HTTP tests: run byte streams through an HttpSession with chosen splits.
import { HttpSession, type HttpSessionEvent, type HttpSessionOptions } from '../src/protocols/http/session';
import type { FlowInfo, StreamChunk, StreamDirection } from '../src/flow/types';

export function testFlow(id = 'test'): FlowInfo {
  return {
    id,
    source: 'pcap',
    family: 4,
    client: { addr: '127.0.0.1', port: 40000 },
    server: { addr: '127.0.0.1', port: 80 },
    localRole: 'unknown',
    tls: false,
    startMs: 0,
    lastMs: 0,
  };
}

export interface Step {
  dir: StreamDirection;
  data: Buffer | string;
  /** Bytes lost before this data. */
  lost?: number;
}

/** Feeds steps (each split at the given sizes) and returns the session's events. */
export function runSession(steps: Step[], split: (len: number) => number[] = (n) => [n], opts?: HttpSessionOptions): HttpSessionEvent[] {
  const events: HttpSessionEvent[] = [];
  const flow = testFlow();
  // Stream chunk data may be a view of the caller's buffer: copy it, as a consumer must.
  const s = new HttpSession(flow, (e) => events.push(e.kind === 'stream' ? { ...e, chunk: { ...e.chunk, data: Buffer.from(e.chunk.data) } } : e), opts);
  const off: Record<StreamDirection, number> = { to_server: 0, to_client: 0 };
  let t = 0;
  for (const step of steps) {
    const data = typeof step.data === 'string' ? Buffer.from(step.data, 'latin1') : step.data;
    let gap = false;
    if (step.lost) {
      off[step.dir] += step.lost;
      gap = true;
    }
    let pos = 0;
    for (const n of split(data.length)) {
      if (n <= 0) continue;
      // A fresh copy per piece, then scribbled over after the call: the session must copy what it keeps.
      const piece = Buffer.from(data.subarray(pos, pos + n));
      const chunk: StreamChunk = { flow, dir: step.dir, offset: off[step.dir], data: piece, gapBefore: gap, timeMs: ++t };
      s.data(chunk);
      piece.fill(0x7e);
      gap = false;
      off[step.dir] += piece.length;
      pos += n;
    }
    if (pos < data.length) throw new Error('split did not cover the data');
  }
  s.end(++t);
  return events;
}

/** Splits of n bytes: one piece, bytewise, and pseudo-random pieces from a seed. */
export function splitters(seed: number): Array<(n: number) => number[]> {
  let x = seed >>> 0 || 1;
  const rnd = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  return [
    (n) => [n],
    (n) => Array(n).fill(1),
    (n) => {
      const out: number[] = [];
      let left = n;
      while (left > 0) {
        const k = Math.min(left, 1 + (rnd() % 17));
        out.push(k);
        left -= k;
      }
      return out;
    },
    (n) => {
      const out: number[] = [];
      let left = n;
      while (left > 0) {
        const k = Math.min(left, 1 + (rnd() % 300));
        out.push(k);
        left -= k;
      }
      return out;
    },
  ];
}

/** A comparable summary of transactions (buffers as strings). */
export function summary(events: HttpSessionEvent[]): unknown[] {
  // Raw stream bytes are compared per direction as one string (their chunking follows the input).
  const raw: Record<string, string> = {};
  for (const e of events) if (e.kind === 'stream') raw[e.chunk.dir] = (raw[e.chunk.dir] ?? '') + e.chunk.data.toString('latin1');
  const txs = events.filter((e) => e.kind !== 'stream').map((e) => {
    if (e.kind === 'stream') return undefined;
    const q = e.tx.request;
    const r = e.tx.response;
    return {
      kind: e.kind,
      index: e.tx.index,
      req: q && { line: q.line.toString('latin1'), method: q.method, uri: q.uri, version: q.version, headers: q.headers, raw: q.rawHeaders.toString('latin1'), body: q.body.toString('latin1'), len: q.bodyLength, trailers: q.trailers, complete: q.complete },
      resp:
        e.kind === 'http-response' && r
          ? { status: r.status, reason: r.reason, headers: r.headers, raw: r.rawHeaders.toString('latin1'), body: r.body.toString('latin1'), decoded: r.decodedBody.toString('latin1'), len: r.bodyLength, trailers: r.trailers, complete: r.complete }
          : undefined,
      anomalies: e.tx.anomalies.map((a) => `${a.dir}:${a.kind}`).sort(),
    };
  });
  return [...txs, raw];
}
