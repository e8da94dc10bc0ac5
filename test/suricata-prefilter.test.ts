// The two prefilters against a brute-force search: every pattern that occurs is reported, once.
// Aho-Corasick is ASCII-case-insensitive for all patterns (a superset); Hyperscan honours nocase.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AhoCorasick } from '../src/detect/suricata/prefilter/aho-corasick';
import { hyperscanAddon, HyperscanMatcher } from '../src/detect/suricata/prefilter/hyperscan';
import type { PatternSpec } from '../src/detect/suricata/prefilter/types';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { asciiLower } from '../src/detect/suricata/bytes';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function corpus(seed: number): { patterns: PatternSpec[]; texts: Buffer[] } {
  const r = rng(seed);
  // A small alphabet makes overlaps, shared prefixes and failure-link paths common.
  const alpha = Buffer.from('abAB/.=\x00\xff\r\n');
  const pick = (len: number) => Buffer.from(Array.from({ length: len }, () => alpha[Math.floor(r() * alpha.length)]));
  const patterns: PatternSpec[] = [];
  for (let i = 0; i < 400; i++) patterns.push({ bytes: pick(1 + Math.floor(r() * 6)), nocase: r() < 0.5 });
  patterns.push({ bytes: Buffer.from('/wp-login.php'), nocase: true }, { bytes: Buffer.from('/wp-'), nocase: false });
  const texts = Array.from({ length: 60 }, () => pick(Math.floor(r() * 300)));
  texts.push(Buffer.from('GET /WP-LOGIN.PHP?x=/wp- HTTP/1.1'), Buffer.alloc(0));
  return { patterns, texts };
}

function brute(patterns: PatternSpec[], text: Buffer, foldAll: boolean): number[] {
  const out: number[] = [];
  const lt = asciiLower(text);
  patterns.forEach((p, id) => {
    const fold = foldAll || p.nocase;
    if ((fold ? lt.indexOf(asciiLower(p.bytes)) : text.indexOf(p.bytes)) >= 0) out.push(id);
  });
  return out;
}

function hits(m: { scan(b: Buffer, h: (id: number) => void): void }, text: Buffer): number[] {
  const out: number[] = [];
  m.scan(text, (id) => out.push(id));
  return out.sort((a, b) => a - b);
}

test('Aho-Corasick finds exactly the patterns present (case-folded), each once', () => {
  for (const seed of [1, 2, 3]) {
    const { patterns, texts } = corpus(seed);
    const ac = new AhoCorasick(patterns);
    for (const t of texts) assert.deepEqual(hits(ac, t), brute(patterns, t, true));
  }
});

test('Hyperscan finds exactly the patterns present, honouring nocase', { skip: hyperscanAddon() ? false : 'addon built without libhs' }, () => {
  for (const seed of [1, 2, 3]) {
    const { patterns, texts } = corpus(seed);
    // Hyperscan needs distinct (pattern, flags); the engine dedupes the same way.
    const seen = new Set<string>();
    const uniq = patterns.filter((p) => {
      const k = (p.nocase ? 'i' : 'c') + p.bytes.toString('hex');
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    const hs = new HyperscanMatcher(hyperscanAddon()!, uniq);
    for (const t of texts) assert.deepEqual(hits(hs, t), brute(uniq, t, false));
  }
});

test('Hyperscan databases are cached on disk and a bad cache file is recompiled', { skip: hyperscanAddon() ? false : 'addon built without libhs' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-cache-'));
  const saved = process.env.PROCTAP_HS_CACHE;
  process.env.PROCTAP_HS_CACHE = dir;
  try {
    const patterns: PatternSpec[] = Array.from({ length: 300 }, (_, i) => ({ bytes: Buffer.from(`pattern-${i}-x`), nocase: i % 2 === 0 }));
    const text = Buffer.from('..PATTERN-4-X..pattern-7-x..PATTERN-9-X..');
    const first = hits(new HyperscanMatcher(hyperscanAddon()!, patterns), text);
    assert.deepEqual(first, [4, 7]);
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.hsdb'));
    assert.equal(files.length, 1);
    assert.deepEqual(hits(new HyperscanMatcher(hyperscanAddon()!, patterns), text), first); // from the cache
    fs.writeFileSync(path.join(dir, files[0]), 'garbage');
    assert.deepEqual(hits(new HyperscanMatcher(hyperscanAddon()!, patterns), text), first); // recompiled
    assert.ok(fs.statSync(path.join(dir, files[0])).size > 100, 'the bad file was replaced');
  } finally {
    if (saved === undefined) delete process.env.PROCTAP_HS_CACHE;
    else process.env.PROCTAP_HS_CACHE = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
