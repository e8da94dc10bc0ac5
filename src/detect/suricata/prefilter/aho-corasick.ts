// Pure-JS Aho-Corasick: the fallback prefilter for hosts without Hyperscan. Patterns and input are
// matched ASCII-case-insensitively (a superset for case-sensitive patterns; verification is exact).
// States are numbered in breadth-first order; the shallowest ones (where most input bytes are
// handled) get full 256-entry DFA rows with case folded in, deeper ones keep sorted sparse edges and
// failure links. A transition's low bit says whether the target state has outputs, so the common
// path reads one array element per input byte.
import { asciiLower } from '../bytes';
import type { MultiPattern, PatternSpec } from './types';

/** Rows of 256 Int32 (1 KiB): up to 4 MiB of DFA per automaton. */
const MAX_DENSE_STATES = 4096;
const LOWER = new Uint8Array(256);
for (let i = 0; i < 256; i++) LOWER[i] = i >= 65 && i <= 90 ? i + 32 : i;

export class AhoCorasick implements MultiPattern {
  readonly engine = 'aho-corasick' as const;
  /** States < denseCount have DFA rows: dense[s * 256 + byte] = target * 2 + hasOutput. */
  private readonly denseCount: number;
  private readonly dense: Int32Array;
  /** Sparse states: sorted edges edgeStart[s]..edgeStart[s+1] (targets encoded like dense). */
  private readonly edgeStart: Int32Array;
  private readonly edgeByte: Uint8Array;
  private readonly edgeTo: Int32Array;
  private readonly fail: Int32Array;
  /** Pattern ids ending at a state (including via the failure chain), flattened. */
  private readonly outStart: Int32Array;
  private readonly outIds: Int32Array;
  private readonly seen: Uint32Array;
  private epoch = 0;

  constructor(patterns: PatternSpec[]) {
    // 1. Trie (insertion numbering).
    const kids: Array<Map<number, number>> = [new Map()];
    const ends: number[][] = [[]];
    patterns.forEach((p, id) => {
      let s = 0;
      for (const c of asciiLower(p.bytes)) {
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
    // 2. Breadth-first renumbering: new id = position in BFS order.
    const bfs: number[] = [0];
    for (let i = 0; i < bfs.length; i++) for (const [, t] of kids[bfs[i]]) bfs.push(t);
    const newId = new Int32Array(n);
    bfs.forEach((old, i) => (newId[old] = i));
    const children: Array<Array<[number, number]>> = bfs.map((old) => [...kids[old].entries()].map(([c, t]) => [c, newId[t]] as [number, number]).sort((a, b) => a[0] - b[0]));
    // 3. Failure links and merged outputs, in BFS order.
    const fail = new Int32Array(n);
    const outs: number[][] = bfs.map((old) => ends[old].slice());
    const child = (s: number, c: number): number => {
      const t = kids[bfs[s]].get(c);
      return t === undefined ? -1 : newId[t];
    };
    for (let s = 0; s < n; s++) {
      for (const [c, t] of children[s]) {
        if (s === 0) fail[t] = 0;
        else {
          let f = fail[s];
          let g = child(f, c);
          while (g < 0 && f !== 0) {
            f = fail[f];
            g = child(f, c);
          }
          fail[t] = g >= 0 && g !== t ? g : 0;
        }
        if (fail[t]) outs[t].push(...outs[fail[t]]);
      }
    }
    this.fail = fail;
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
    const enc = (t: number): number => t * 2 + (outs[t].length ? 1 : 0);
    // 4. Sparse edges for every state (deep states use them; dense rows are built from them).
    this.edgeStart = new Int32Array(n + 1);
    let e = 0;
    for (let s = 0; s < n; s++) {
      this.edgeStart[s] = e;
      e += children[s].length;
    }
    this.edgeStart[n] = e;
    this.edgeByte = new Uint8Array(e);
    this.edgeTo = new Int32Array(e);
    e = 0;
    for (let s = 0; s < n; s++) {
      for (const [c, t] of children[s]) {
        this.edgeByte[e] = c;
        this.edgeTo[e++] = enc(t);
      }
    }
    // 5. Dense rows for the first states in BFS order; a failure target is shallower, so its row exists.
    this.denseCount = Math.min(n, MAX_DENSE_STATES);
    this.dense = new Int32Array(this.denseCount * 256);
    for (let s = 0; s < this.denseCount; s++) {
      const row = s * 256;
      for (let c = 0; c < 256; c++) {
        const t = child(s, LOWER[c]);
        this.dense[row + c] = t >= 0 ? enc(t) : s === 0 ? 0 : this.dense[fail[s] * 256 + c];
      }
    }
    this.seen = new Uint32Array(patterns.length);
  }

  /** Transition from a sparse state on lowercased byte c (encoded target). */
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
      if (s < this.denseCount) return this.dense[s * 256 + c];
    }
  }

  scan(buf: Buffer, hit: (id: number) => void): void {
    if (++this.epoch === 0xffffffff) {
      this.seen.fill(0);
      this.epoch = 1;
    }
    const ep = this.epoch;
    const dense = this.dense;
    const denseCount = this.denseCount;
    let s = 0;
    for (let i = 0; i < buf.length; i++) {
      const t = s < denseCount ? dense[s * 256 + buf[i]] : this.stepSparse(s, LOWER[buf[i]]);
      s = t >> 1;
      if (t & 1) {
        const a = this.outStart[s];
        const b = this.outStart[s + 1];
        for (let k = a; k < b; k++) {
          const id = this.outIds[k];
          if (this.seen[id] !== ep) {
            this.seen[id] = ep;
            hit(id);
          }
        }
      }
    }
  }
}
