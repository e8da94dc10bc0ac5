// Prefilter for static @rx patterns. All of them go into RE2.Set objects (one DFA pass over a
// value tells which patterns can match at all), built once at load. A rule then runs its own
// RE2 (for captures) only when the set says its pattern matches the value; per value the set
// runs once per transaction (the result is cached on the value).
import RE2 from 're2';
import { pcreToRe2 } from './pcre-to-re2';
import { RX_FLAGS } from './compile';

/** Patterns per RE2.Set: keeps each DFA small enough to stay fast and within memory limits. */
const CHUNK = 40;

export class Prefilter {
  private index = new Map<string, number>();
  private sets: Array<{ set: InstanceType<typeof RE2.Set>; base: number; size: number }> = [];
  private count = 0;
  readonly enabled: boolean;

  constructor(patterns: Iterable<string>, enabled = true) {
    this.enabled = enabled;
    if (!enabled) return;
    const list: string[] = [];
    for (const p of patterns) {
      if (this.index.has(p)) continue;
      this.index.set(p, -1);
      list.push(p);
    }
    for (let i = 0; i < list.length; i += CHUNK) {
      const chunk = list.slice(i, i + CHUNK).map((p) => pcreToRe2(p));
      try {
        const set = new RE2.Set(chunk, RX_FLAGS);
        for (let k = 0; k < chunk.length; k++) this.index.set(list[i + k], this.count + k);
        this.sets.push({ set, base: this.count, size: chunk.length });
        this.count += chunk.length;
      } catch {
        // a pattern the set cannot hold: those rules just run their own regex every time
      }
    }
  }

  /** Position of a pattern in the prefilter, or -1 when the rule must always run its regex. */
  indexOf(pattern: string): number {
    return this.index.get(pattern) ?? -1;
  }

  /** Runs every set over the buffer; hits[i] = 1 when pattern i can match. */
  scan(buf: Buffer): Uint8Array {
    const hits = new Uint8Array(this.count);
    for (const s of this.sets) {
      const m = s.set.match(buf);
      for (const k of m) hits[s.base + k] = 1;
    }
    return hits;
  }

  /** Runs only the set that holds pattern idx. */
  scanOne(buf: Buffer, idx: number, hits: Uint8Array, done: Uint8Array): void {
    for (let si = 0; si < this.sets.length; si++) {
      const s = this.sets[si];
      if (idx >= s.base && idx < s.base + s.size) {
        if (done[si]) return;
        done[si] = 1;
        for (const k of s.set.match(buf)) hits[s.base + k] = 1;
        return;
      }
    }
  }

  get setCount(): number {
    return this.sets.length;
  }

  get size(): number {
    return this.count;
  }
}
