// pcre option values -> RE2 sources and flags, and a memoized RE2 compiler. Pure and light, so the
// validation worker (pcre-worker.ts) can use it without loading the engine.
import * as fs from 'fs';
import * as path from 'path';
import RE2 from 're2';
import { cacheDir } from './compile-cache';
import { RuleSyntaxError, unquote } from './bytes';
import { translatePcre } from './pcre-translate';
import { UnsupportedKeyword } from './keywords/registry';

/** Suricata's pcre buffer flags. */
export const PCRE_BUFFER_FLAGS: Readonly<Record<string, string>> = {
  U: 'http.uri',
  I: 'http.uri.raw',
  P: 'http.request_body',
  Q: 'http.response_body',
  H: 'http.header',
  D: 'http.header.raw',
  M: 'http.method',
  C: 'http.cookie',
  S: 'http.stat_code',
  Y: 'http.stat_msg',
  V: 'http.user_agent',
  W: 'http.host',
  Z: 'http.host.raw',
};

export interface PcreSpec {
  /** The pattern as written (between the slashes). */
  body: string;
  /** RE2 source after translation, and RE2 flags. */
  source: string;
  flags: string;
  negated: boolean;
  relative: boolean;
  buffer?: string;
}

export function parsePcreValue(v: string | undefined): PcreSpec {
  if (v === undefined) throw new RuleSyntaxError('pcre needs a value');
  let t = v.trim();
  let negated = false;
  if (t.startsWith('!')) {
    negated = true;
    t = t.slice(1).trim();
  }
  t = unquote(t);
  const first = t.indexOf('/');
  const last = t.lastIndexOf('/');
  if (first !== 0 || last <= first) throw new RuleSyntaxError(`pcre must look like "/regex/flags": ${v}`);
  const body = t.slice(1, last).replace(/\\([;"])/g, '$1');
  const fl = t.slice(last + 1);
  let flags = '';
  let relative = false;
  let buffer: string | undefined;
  const tf = { extended: false, anchored: false, ungreedy: false };
  for (const f of fl) {
    if (f === 'i' || f === 's' || f === 'm') {
      if (!flags.includes(f)) flags += f;
    } else if (f === 'x') tf.extended = true;
    else if (f === 'A') tf.anchored = true;
    else if (f === 'G') tf.ungreedy = true;
    else if (f === 'E' || f === 'B' || f === 'O') {
      /* E: RE2's $ already means end of text; B, O: no effect here */
    } else if (f === 'R') relative = true;
    else if (PCRE_BUFFER_FLAGS[f]) {
      if (buffer && buffer !== PCRE_BUFFER_FLAGS[f]) throw new RuleSyntaxError(`pcre has two buffer flags: ${fl}`);
      buffer = PCRE_BUFFER_FLAGS[f];
    } else throw new UnsupportedKeyword('pcre', `flag ${f}`);
  }
  return { body, source: translatePcre(body, tf), flags, negated, relative, buffer };
}

export function pcreKey(source: string, flags: string): string {
  return flags + '/' + source;
}

// Compiled once per distinct pattern: ET repeats many (5,538 pcre, 2,875 distinct). RE2 objects
// without the g flag keep no state between calls, so sharing them is safe.
const memo = new Map<string, RE2 | string>();

/** The compiled RE2, or RE2's error message. */
export function compilePcre(source: string, flags: string): RE2 | string {
  const key = pcreKey(source, flags);
  let re = memo.get(key);
  if (re === undefined) {
    try {
      re = new RE2(source, flags);
    } catch (e) {
      re = (e as Error).message;
    }
    memo.set(key, re);
  }
  return re;
}

/**
 * What RE2 said about each pcre ('' = compiles, else the error), kept on disk so a restart need
 * not compile all of ET's pcre up front: known-good patterns compile on first use instead.
 * Keyed by the re2 package version (another RE2 may judge differently).
 */
export class PcreVerdicts {
  private readonly map = new Map<string, string>();
  private added = 0;
  private readonly file?: string;

  constructor(dir = cacheDir()) {
    if (!dir) return;
    let version = 'unknown';
    try {
      version = (JSON.parse(fs.readFileSync(require.resolve('re2/package.json'), 'utf8')) as { version: string }).version;
    } catch {
      /* keep 'unknown' */
    }
    this.file = path.join(dir, `pcre-verdicts-re2-${version}.json`);
    try {
      for (const [k, v] of Object.entries(JSON.parse(fs.readFileSync(this.file, 'utf8')) as Record<string, string>)) {
        if (typeof v === 'string') this.map.set(k, v);
      }
    } catch {
      /* no cache yet */
    }
  }

  get(key: string): string | undefined {
    return this.map.get(key);
  }

  set(key: string, verdict: string): void {
    if (this.map.get(key) === verdict) return;
    this.map.set(key, verdict);
    this.added++;
  }

  /** Writes the verdicts when new ones were learnt and the set is worth caching. */
  save(minEntries = 500): void {
    if (!this.file || !this.added || this.map.size < minEntries) return;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
      const tmp = `${this.file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.map)));
      fs.renameSync(tmp, this.file);
      this.added = 0;
    } catch {
      /* a cache we cannot write only costs time */
    }
  }
}
