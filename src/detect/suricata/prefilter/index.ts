// Chooses the prefilter: Hyperscan when the addon has it (about 5x faster on bodies), else the
// pure-JS Aho-Corasick. PROCTAP_ET_PREFILTER=aho-corasick|hyperscan forces one (tests, benches).
import { AhoCorasick } from './aho-corasick';
import { createHyperscanMatcher, HyperscanMatcher, hyperscanAddon } from './hyperscan';
import type { MultiPattern, MultiPatternFactory, PatternSpec } from './types';

export type PrefilterEngine = 'hyperscan' | 'aho-corasick' | 'auto';

export interface Prefilter {
  name: 'hyperscan' | 'aho-corasick';
  make: MultiPatternFactory;
  /** Builds off the JS thread when the engine can (Hyperscan). */
  makeAsync?: (patterns: PatternSpec[]) => Promise<MultiPattern>;
}

export function prefilterFactory(engine: PrefilterEngine = 'auto'): Prefilter {
  const want = engine === 'auto' ? ((process.env.PROCTAP_ET_PREFILTER as PrefilterEngine | undefined) ?? 'auto') : engine;
  const hs = want === 'aho-corasick' ? null : hyperscanAddon();
  if (want === 'hyperscan' && !hs) throw new Error('Hyperscan prefilter requested but the addon was built without libhs');
  if (hs) {
    return {
      name: 'hyperscan',
      make: (p: PatternSpec[]): MultiPattern => new HyperscanMatcher(hs, p),
      makeAsync: (p: PatternSpec[]): Promise<MultiPattern> => createHyperscanMatcher(hs, p),
    };
  }
  return { name: 'aho-corasick', make: (p: PatternSpec[]): MultiPattern => new AhoCorasick(p) };
}

export type { MultiPattern, PatternSpec } from './types';
