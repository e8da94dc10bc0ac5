// Hyperscan prefilter through our addon (native/src/hyperscan.cc): one literal database per rule group.
import { loadAddon } from '../../../native/addon';
import type { MultiPattern, PatternSpec } from './types';

interface HsAddon {
  hsCompile(patterns: Buffer[], caseless: Uint8Array): object;
  hsScan(db: object, buf: Buffer, offset: number, length: number, out: Uint32Array): number;
}

let addon: HsAddon | null | undefined;

/** The addon's Hyperscan functions, or null when the addon or libhs is missing. */
export function hyperscanAddon(): HsAddon | null {
  if (addon !== undefined) return addon;
  try {
    const a = loadAddon();
    addon = a.features.includes('hyperscan') ? (a as unknown as HsAddon) : null;
  } catch {
    addon = null;
  }
  return addon;
}

export class HyperscanMatcher implements MultiPattern {
  readonly engine = 'hyperscan' as const;
  private readonly db: object;
  private readonly out: Uint32Array;

  constructor(private readonly hs: HsAddon, patterns: PatternSpec[]) {
    const flags = new Uint8Array(patterns.length);
    patterns.forEach((p, i) => (flags[i] = p.nocase ? 1 : 0));
    this.db = hs.hsCompile(patterns.map((p) => p.bytes), flags);
    this.out = new Uint32Array(patterns.length);
  }

  scan(buf: Buffer, hit: (id: number) => void): void {
    if (buf.length === 0) return;
    const n = this.hs.hsScan(this.db, buf, 0, buf.length, this.out);
    const out = this.out;
    for (let i = 0; i < n && i < out.length; i++) hit(out[i]);
  }
}
