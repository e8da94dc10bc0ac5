// Hyperscan prefilter through our addon (native/src/hyperscan.cc): one literal database per rule
// group. Compiled databases are cached on disk by content hash (like Suricata's sgh-mpm cache), so
// a restart with the same rules skips the compile; PROCTAP_HS_CACHE=<dir> moves it, '' disables it.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { loadAddon } from '../../../native/addon';
import { cacheDir } from '../compile-cache';
import type { MultiPattern, PatternSpec } from './types';

export interface HsAddon {
  hsCompile(patterns: Buffer[], caseless: Uint8Array): object;
  hsScan(db: object, buf: Buffer, offset: number, length: number, out: Uint32Array): number;
  /** Compiles on a libuv thread; cb(err, db). */
  hsCompileAsync(patterns: Buffer[], caseless: Uint8Array, cb: (err: Error | null, db: object) => void): void;
  /** Scans bufs[i] with dbs[i] for every i in one native call; out gets (i, pattern id) pairs. */
  hsScanBatch(dbs: object[], bufs: Buffer[], out: Uint32Array): number;
  hsSerialize(db: object): Buffer;
  hsDeserialize(b: Buffer): object;
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

const MAX_CACHE_FILES = 256;
/** Smaller databases compile in a few milliseconds: not worth a file. */
const MIN_CACHED_PATTERNS = 200;

function cacheFile(patterns: PatternSpec[], flags: Uint8Array): string | undefined {
  const dir = patterns.length >= MIN_CACHED_PATTERNS ? cacheDir() : undefined;
  if (!dir) return undefined;
  const h = createHash('sha256');
  h.update(flags);
  for (const p of patterns) {
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32LE(p.bytes.length);
    h.update(len).update(p.bytes);
  }
  return path.join(dir, h.digest('hex') + '.hsdb');
}

function readCache(hs: HsAddon, file: string | undefined): object | undefined {
  if (!file) return undefined;
  try {
    return hs.hsDeserialize(fs.readFileSync(file));
  } catch {
    return undefined; // not cached yet, or from another libhs/CPU: compile
  }
}

function writeCache(hs: HsAddon, file: string | undefined, db: object): void {
  if (!file) return;
  const dir = path.dirname(file);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, hs.hsSerialize(db));
    fs.renameSync(tmp, file);
    const names = fs.readdirSync(dir).filter((n) => n.endsWith('.hsdb'));
    if (names.length > MAX_CACHE_FILES) {
      const byAge = names.map((n) => ({ n, t: fs.statSync(path.join(dir, n)).mtimeMs })).sort((a, b) => a.t - b.t);
      for (const { n } of byAge.slice(0, names.length - MAX_CACHE_FILES)) fs.rmSync(path.join(dir, n), { force: true });
    }
  } catch {
    /* a cache we cannot write only costs time */
  }
}

function flagsOf(patterns: PatternSpec[]): Uint8Array {
  return Uint8Array.from(patterns, (p) => (p.nocase ? 1 : 0));
}

function compileCached(hs: HsAddon, patterns: PatternSpec[], flags: Uint8Array): object {
  const file = cacheFile(patterns, flags);
  const cached = readCache(hs, file);
  if (cached) return cached;
  const db = hs.hsCompile(
    patterns.map((p) => p.bytes),
    flags,
  );
  writeCache(hs, file, db);
  return db;
}

/** A matcher whose database compiles on a libuv thread (loadRulesAsync builds all groups at once). */
export async function createHyperscanMatcher(hs: HsAddon, patterns: PatternSpec[]): Promise<HyperscanMatcher> {
  const flags = flagsOf(patterns);
  const file = cacheFile(patterns, flags);
  let db = readCache(hs, file);
  if (!db) {
    db = await new Promise<object>((resolve, reject) =>
      hs.hsCompileAsync(
        patterns.map((p) => p.bytes),
        flags,
        (err, d) => (err ? reject(err) : resolve(d)),
      ),
    );
    writeCache(hs, file, db);
  }
  return new HyperscanMatcher(hs, patterns, db);
}

export class HyperscanMatcher implements MultiPattern {
  readonly engine = 'hyperscan' as const;
  /** The compiled database (for hsScanBatch). */
  readonly db: object;
  private readonly out: Uint32Array;

  constructor(
    readonly hs: HsAddon,
    patterns: PatternSpec[],
    db?: object,
  ) {
    this.db = db ?? compileCached(hs, patterns, flagsOf(patterns));
    this.out = new Uint32Array(patterns.length);
  }

  scan(buf: Buffer, hit: (id: number) => void): void {
    if (buf.length === 0) return;
    const n = this.hs.hsScan(this.db, buf, 0, buf.length, this.out);
    const out = this.out;
    for (let i = 0; i < n && i < out.length; i++) hit(out[i]);
  }
}
