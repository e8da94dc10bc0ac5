// Pure-JS Aho-Corasick: the fallback prefilter for hosts without Hyperscan. Patterns and input are
// matched ASCII-case-insensitively (a superset for case-sensitive patterns; verification is exact).
// States up to depth DENSE_DEPTH get full 256-entry DFA rows (most input bytes are handled there,
// with case folded into the rows); deeper states keep sorted sparse edges and failure links.
import { asciiLower } from '../bytes';
import type { MultiPattern, PatternSpec } from './types';

const DENSE_DEPTH = 2;
const LOWER = new Uint8Array(256);
for (let i = 0; i < 256; i++) LOWER[i] = i >= 65 && i <= 90 ? i + 32 : i;

export class AhoCorasick implements MultiPattern {
  readonly engine = 'aho-corasick' as const;
  /** Per state: sorted edge bytes and targets, in flat arrays (edgeStart[s]..edgeStart[s+1]). */
  private edgeStart!: Int32Array;
  private edgeByte!: Uint8Array;
  private edgeTo!: Int32Array;
  private fail!: Int32Array;
  /** Pattern ids ending at a state (including via the failure chain), flattened. */
  private outStart!: Int32Array;
  private outIds!: Int32Array;
  /** Row index in `dense` per state, -1 for sparse states. */
  private denseRow!: Int32Array;
  private dense!: Int32Array;
  private seen: Uint32Array;
  private epoch = 0;

  constructor(patterns: PatternSpec[]) {
    const kids: Array<Map<number, number>> = [new Map()];
    const ends: number[][] = [[]];
    patterns.forEach((p, id) => {
      const bytes = asciiLower(p.bytes);
      let s = 0;
      for (const c of bytes) {
        let n = kids[s].get(c);
        if (n === undefined) {
          n = kids.length;
          kids.push(new Map());
          ends.push([]);
          kids[s].set(c, n);
        }
        s = n;
      }
      ends[s].push(id);
    });
    const n = kids.length;
    const fail = new Int32Array(n);
    const order: number[] = [];
    const queue: number[] = [];
    for (const [, t] of kids[0]) {
      fail[t] = 0;
      queue.push(t);
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi];
      order.push(s);
      for (const [c, t] of kids[s]) {
        let f = fail[s];
        while (f !== 0 && !kids[f].has(c)) f = fail[f];
        const ft = kids[f].get(c);
        fail[t] = ft !== undefined && ft !== t ? ft : 0;
        queue.push(t);
      }
    }
    // Outputs along the failure chain, merged once at build time.
    const outs: number[][] = ends.map((e) => e.slice());
    for (const s of order) if (fail[s]) outs[s].push(...outs[fail[s]]);
    this.fail = fail;
    this.edgeStart = new Int32Array(n + 1);
    let total = 0;
    for (let s = 0; s < n; s++) {
      this.edgeStart[s] = total;
      total += kids[s].size;
    }
    this.edgeStart[n] = total;
    this.edgeByte = new Uint8Array(total);
    this.edgeTo = new Int32Array(total);
    for (let s = 0; s < n; s++) {
      const sorted = [...kids[s].entries()].sort((a, b) => a[0] - b[0]);
      let k = this.edgeStart[s];
      for (const [c, t] of sorted) {
        this.edgeByte[k] = c;
        this.edgeTo[k++] = t;
      }
    }
    // Dense DFA rows for shallow states, in BFS order so a failure target's row already exists.
    const depth = new Int32Array(n);
    for (const [, t] of kids[0]) depth[t] = 1;
    for (const st of order) for (const [, t] of kids[st]) depth[t] = depth[st] + 1;
    this.denseRow = new Int32Array(n).fill(-1);
    const denseStates = [0, ...order.filter((st) => depth[st] <= DENSE_DEPTH)];
    denseStates.forEach((st, i) => (this.denseRow[st] = i));
    this.dense = new Int32Array(denseStates.length * 256);
    for (const st of denseStates) {
      const row = this.denseRow[st] * 256;
      for (let c = 0; c < 256; c++) {
        const lc = LOWER[c];
        const g = kids[st].get(lc);
        let t: number;
        if (g !== undefined) t = g;
        else if (st === 0) t = 0;
        else t = this.dense[this.denseRow[fail[st]] * 256 + c];
        this.dense[row + c] = t;
      }
    }
    this.outStart = new Int32Array(n + 1);
    let o = 0;
    for (let s = 0; s < n; s++) {
      this.outStart[s] = o;
      o += outs[s].length;
    }
    this.outStart[n] = o;
    this.outIds = new Int32Array(o);
    o = 0;
    for (let s = 0; s < n; s++) for (const id of outs[s]) this.outIds[o++] = id;
    this.seen = new Uint32Array(patterns.length);
  }

  /** Transition from a sparse state (deeper than DENSE_DEPTH) on lowercased byte c. */
  private stepSparse(s: number, c: number): number {
    for (;;) {
      let lo = this.edgeStart[s];
      let hi = this.edgeStart[s + 1] - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const b = this.edgeByte[mid];
        if (b === c) return this.edgeTo[mid];
        if (b < c) lo = mid + 1;
        else hi = mid - 1;
      }
      s = this.fail[s];
      const row = this.denseRow[s];
      if (row >= 0) return this.dense[row * 256 + c];
    }
  }

  scan(buf: Buffer, hit: (id: number) => void): void {
    if (++this.epoch === 0xffffffff) {
      this.seen.fill(0);
      this.epoch = 1;
    }
    const ep = this.epoch;
    const outStart = this.outStart;
    const outIds = this.outIds;
    const seen = this.seen;
    const dense = this.dense;
    const denseRow = this.denseRow;
    let s = 0;
    for (let i = 0; i < buf.length; i++) {
      const row = denseRow[s];
      s = row >= 0 ? dense[row * 256 + buf[i]] : this.stepSparse(s, LOWER[buf[i]]);
      const a = outStart[s];
      const b = outStart[s + 1];
      for (let k = a; k < b; k++) {
        const id = outIds[k];
        if (seen[id] !== ep) {
          seen[id] = ep;
          hit(id);
        }
      }
    }
  }
}
