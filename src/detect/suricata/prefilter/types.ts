// A multi-pattern matcher over one buffer: given the fast patterns of a rule group, one pass over
// the bytes returns the ids of the patterns that occur (each at most once).
export interface MultiPattern {
  readonly engine: 'hyperscan' | 'aho-corasick';
  /** Calls `hit(id)` once for every pattern id found in buf. */
  scan(buf: Buffer, hit: (id: number) => void): void;
}

export interface PatternSpec {
  bytes: Buffer;
  nocase: boolean;
}

export type MultiPatternFactory = (patterns: PatternSpec[]) => MultiPattern;
