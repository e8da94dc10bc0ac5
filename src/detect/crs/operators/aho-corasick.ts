// A small Aho-Corasick automaton over lower-cased latin1 text, for @pm and @pmFromFile
// (case-insensitive phrase matching in one pass over the input).

export class AhoCorasick {
  private goto: Array<Map<number, number>> = [new Map()];
  private fail: number[] = [0];
  private out: Array<string | undefined> = [undefined];
  /** Root transitions as a table: most input bytes leave the automaton at the root. */
  private root = new Int32Array(256);

  constructor(phrases: string[]) {
    for (const p of phrases) {
      if (p === '') continue;
      let s = 0;
      const lp = lower(p);
      for (let i = 0; i < lp.length; i++) {
        const c = lp.charCodeAt(i);
        let nx = this.goto[s].get(c);
        if (nx === undefined) {
          nx = this.goto.length;
          this.goto.push(new Map());
          this.fail.push(0);
          this.out.push(undefined);
          this.goto[s].set(c, nx);
        }
        s = nx;
      }
      if (this.out[s] === undefined) this.out[s] = p;
    }
    const queue: number[] = [];
    for (const [c, nx] of this.goto[0]) {
      queue.push(nx);
      if (c < 256) this.root[c] = nx;
    }
    while (queue.length > 0) {
      const r = queue.shift() as number;
      for (const [c, u] of this.goto[r]) {
        queue.push(u);
        let f = this.fail[r];
        while (f !== 0 && !this.goto[f].has(c)) f = this.fail[f];
        const g = this.goto[f].get(c);
        this.fail[u] = g !== undefined && g !== u ? g : 0;
        if (this.out[u] === undefined && this.out[this.fail[u]] !== undefined) this.out[u] = this.out[this.fail[u]];
      }
    }
  }

  /** The first phrase found in text, or undefined. */
  search(text: string): string | undefined {
    let s = 0;
    const root = this.root;
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i);
      if (c >= 65 && c <= 90) c += 32;
      if (s === 0) {
        s = c < 256 ? root[c] : 0;
        if (s !== 0 && this.out[s] !== undefined) return this.out[s];
        continue;
      }
      let nx = this.goto[s].get(c);
      while (nx === undefined && s !== 0) {
        s = this.fail[s];
        nx = this.goto[s].get(c);
      }
      s = nx ?? 0;
      const o = this.out[s];
      if (o !== undefined) return o;
    }
    return undefined;
  }
}

function lower(s: string): string {
  return s.replace(/[A-Z]/g, (m) => m.toLowerCase());
}
