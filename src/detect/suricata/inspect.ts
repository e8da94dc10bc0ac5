// Verification of one list of keywords against one buffer, as Suricata's content inspection does:
// keywords in rule order, relative ones from the previous match, with backtracking over earlier
// content matches when a later relative keyword fails (bounded by a step budget).
import { base64Decode } from './keywords/base64-codec';
import { asciiLower, hasHighBytes } from './bytes';
import { numCompare } from './num-compare';
import type RE2 from 're2';
import { compilePcre } from './pcre-compile';
import type { ByteExtractItem, ByteJumpItem, ByteTestItem, Item, NumRef, PcreItem } from './types';

export interface InspectContext {
  vars: Map<string, number>;
  steps: number;
  /** Span of positive matches on the successful path (for alert evidence). */
  spanStart: number;
  spanEnd: number;
  lowerCache: WeakMap<Buffer, Buffer>;
  latin1Cache: WeakMap<Buffer, string | null>;
}

/** Byte views shared by every rule verified on the same buffers (one per match call). */
export interface BufferCaches {
  lowerCache: WeakMap<Buffer, Buffer>;
  latin1Cache: WeakMap<Buffer, string | null>;
}

export function newBufferCaches(): BufferCaches {
  return { lowerCache: new WeakMap(), latin1Cache: new WeakMap() };
}

export function newInspectContext(caches: BufferCaches = newBufferCaches()): InspectContext {
  return { vars: new Map(), steps: 3000, spanStart: -1, spanEnd: -1, lowerCache: caches.lowerCache, latin1Cache: caches.latin1Cache };
}

const relCache = new WeakMap<Item[], Uint8Array>();

function isRelative(it: Item): boolean {
  switch (it.kind) {
    case 'content':
      return it.distance !== undefined || it.within !== undefined;
    case 'pcre':
    case 'byte_test':
    case 'byte_jump':
    case 'byte_extract':
    case 'isdataat':
    case 'base64_decode':
      return it.relative;
    default:
      return false;
  }
}

/** relAfter[i] = 1 when some keyword after i depends on the match position (worth backtracking). */
function relAfter(items: Item[]): Uint8Array {
  let r = relCache.get(items);
  if (!r) {
    r = new Uint8Array(items.length + 1);
    for (let i = items.length - 1; i >= 0; i--) r[i] = r[i + 1] || (i + 1 < items.length && isRelative(items[i + 1])) ? 1 : 0;
    relCache.set(items, r);
  }
  return r;
}

function num(ref: NumRef, ctx: InspectContext): number | undefined {
  return typeof ref === 'number' ? ref : ctx.vars.get(ref.var);
}

function lowerOf(buf: Buffer, ctx: InspectContext): Buffer {
  let l = ctx.lowerCache.get(buf);
  if (!l) {
    l = asciiLower(buf);
    ctx.lowerCache.set(buf, l);
  }
  return l;
}

/** RE2 on Buffers reads UTF-8; a buffer with bytes >= 0x80 is matched as a latin1 string instead. */
function latin1Of(buf: Buffer, ctx: InspectContext): string | null {
  let s = ctx.latin1Cache.get(buf);
  if (s === undefined) {
    s = hasHighBytes(buf) ? buf.toString('latin1') : null;
    ctx.latin1Cache.set(buf, s);
  }
  return s;
}

function readValue(buf: Buffer, pos: number, it: { bytes: number; bigEndian: boolean; string?: 'dec' | 'hex' | 'oct'; bitmask?: number }): number | undefined {
  if (pos < 0 || pos + it.bytes > buf.length) return undefined;
  let v: number;
  if (it.string) {
    const text = buf.toString('latin1', pos, pos + it.bytes);
    const base = it.string === 'hex' ? 16 : it.string === 'oct' ? 8 : 10;
    const m = (base === 16 ? /^\s*[0-9a-fA-F]+/ : base === 8 ? /^\s*[0-7]+/ : /^\s*[0-9]+/).exec(text);
    if (!m) return undefined;
    v = parseInt(m[0], base);
  } else {
    v = 0;
    if (it.bigEndian) for (let i = 0; i < it.bytes; i++) v = v * 256 + buf[pos + i];
    else for (let i = it.bytes - 1; i >= 0; i--) v = v * 256 + buf[pos + i];
  }
  if (it.bitmask !== undefined) {
    const mask = it.bitmask;
    v = Number(BigInt(Math.trunc(v)) & BigInt(mask));
    if (mask) {
      let shift = 0;
      while (((mask >>> shift) & 1) === 0 && shift < 32) shift++;
      v = Math.floor(v / 2 ** shift);
    }
  }
  return v;
}

function byteTest(it: ByteTestItem, buf: Buffer, prevEnd: number, ctx: InspectContext): boolean {
  const off = num(it.offset, ctx);
  const value = num(it.value, ctx);
  if (off === undefined || value === undefined) return false;
  const v = readValue(buf, (it.relative ? prevEnd : 0) + off, it);
  if (v === undefined) return false;
  let r: boolean;
  switch (it.op) {
    case '<':
      r = v < value;
      break;
    case '>':
      r = v > value;
      break;
    case '=':
      r = v === value;
      break;
    case '<=':
      r = v <= value;
      break;
    case '>=':
      r = v >= value;
      break;
    case '&':
      r = Number(BigInt(Math.trunc(v)) & BigInt(Math.trunc(value))) !== 0;
      break;
    case '^':
      r = Number(BigInt(Math.trunc(v)) ^ BigInt(Math.trunc(value))) !== 0;
      break;
  }
  return it.negated ? !r : r;
}

function byteJump(it: ByteJumpItem, buf: Buffer, prevEnd: number, ctx: InspectContext): number | undefined {
  const off = num(it.offset, ctx);
  if (off === undefined) return undefined;
  const pos = (it.relative ? prevEnd : 0) + off;
  let v = readValue(buf, pos, it);
  if (v === undefined) return undefined;
  v *= it.multiplier;
  if (it.align && v % 4) v += 4 - (v % 4);
  let np: number;
  if (it.fromBeginning) np = v + it.postOffset;
  else if (it.fromEnd) np = buf.length + v + it.postOffset;
  else np = pos + it.bytes + v + it.postOffset;
  return np < 0 || np > buf.length ? undefined : np;
}

function byteExtract(it: ByteExtractItem, buf: Buffer, prevEnd: number, ctx: InspectContext): number | undefined {
  const pos = (it.relative ? prevEnd : 0) + it.offset;
  let v = readValue(buf, pos, it);
  if (v === undefined) return undefined;
  v *= it.multiplier;
  if (it.align && v % it.align) v += it.align - (v % it.align);
  ctx.vars.set(it.name, v);
  return pos + it.bytes;
}

/** Compiles a pcre whose validation was deferred (it was checked to compile at load). */
function regexOf(it: PcreItem): RE2 {
  const re = compilePcre(it.source, it.flags);
  if (typeof re === 'string') throw new Error(`pcre /${it.source}/ does not compile: ${re}`);
  it.re = re;
  return re;
}

function mark(ctx: InspectContext, start: number, end: number): void {
  if (ctx.spanStart < 0 || start < ctx.spanStart) ctx.spanStart = start;
  if (end > ctx.spanEnd) ctx.spanEnd = end;
}

/** True when items[i..] all match buf, given the previous match ended at prevEnd. */
export function inspectItems(items: Item[], i: number, buf: Buffer, prevEnd: number, ctx: InspectContext): boolean {
  if (i >= items.length) return true;
  if (--ctx.steps < 0) return false;
  const it = items[i];
  switch (it.kind) {
    case 'content': {
      const len = it.pattern.length;
      let start: number;
      let end: number;
      if (it.distance !== undefined || it.within !== undefined) {
        const dist = it.distance !== undefined ? num(it.distance, ctx) : 0;
        if (dist === undefined) return false;
        start = prevEnd + dist;
        if (start < 0) start = 0;
        if (it.within !== undefined) {
          const w = num(it.within, ctx);
          if (w === undefined) return false;
          end = prevEnd + dist + w;
        } else end = buf.length;
      } else {
        const off = it.offset !== undefined ? num(it.offset, ctx) : 0;
        if (off === undefined) return false;
        start = off;
        if (it.depth !== undefined) {
          const d = num(it.depth, ctx);
          if (d === undefined) return false;
          end = start + d;
        } else end = buf.length;
      }
      if (it.startswith) end = Math.min(end, start + len);
      if (end > buf.length) end = buf.length;
      const hay = it.nocase ? lowerOf(buf, ctx) : buf;
      const pat = it.nocase ? it.lower : it.pattern;
      const again = relAfter(items)[i] === 1;
      let from = start;
      for (;;) {
        let idx: number;
        if (it.endswith) {
          idx = buf.length - len;
          if (idx < from || idx + len > end || hay.compare(pat, 0, len, idx, idx + len) !== 0) idx = -1;
        } else {
          idx = end - from >= len ? hay.indexOf(pat, from) : -1;
          if (idx >= 0 && idx + len > end) idx = -1;
        }
        if (it.negated) return idx < 0 ? inspectItems(items, i + 1, buf, prevEnd, ctx) : false;
        if (idx < 0) return false;
        if (inspectItems(items, i + 1, buf, idx + len, ctx)) {
          mark(ctx, idx, idx + len);
          return true;
        }
        if (!again || it.endswith || ctx.steps < 0) return false;
        from = idx + 1;
      }
    }
    case 'pcre': {
      const from = it.relative ? Math.min(prevEnd, buf.length) : 0;
      const s = latin1Of(buf, ctx);
      const re = it.re ?? regexOf(it);
      const m = s !== null ? re.exec(from ? s.slice(from) : s) : re.exec(from ? buf.subarray(from) : buf);
      if (it.negated) return m ? false : inspectItems(items, i + 1, buf, prevEnd, ctx);
      if (!m) return false;
      const mStart = from + m.index;
      const mEnd = mStart + m[0].length;
      if (inspectItems(items, i + 1, buf, mEnd, ctx)) {
        mark(ctx, mStart, mEnd);
        return true;
      }
      return false;
    }
    case 'byte_test':
      return byteTest(it, buf, prevEnd, ctx) && inspectItems(items, i + 1, buf, prevEnd, ctx);
    case 'byte_jump': {
      const np = byteJump(it, buf, prevEnd, ctx);
      return np !== undefined && inspectItems(items, i + 1, buf, np, ctx);
    }
    case 'byte_extract': {
      const np = byteExtract(it, buf, prevEnd, ctx);
      return np !== undefined && inspectItems(items, i + 1, buf, np, ctx);
    }
    case 'isdataat': {
      const n = num(it.pos, ctx);
      if (n === undefined) return false;
      const has = it.relative ? prevEnd + n <= buf.length : n < buf.length;
      return (it.negated ? !has : has) && inspectItems(items, i + 1, buf, prevEnd, ctx);
    }
    case 'bsize':
      return numCompare(it.cmp, buf.length) && inspectItems(items, i + 1, buf, prevEnd, ctx);
    case 'base64_decode': {
      const start = (it.relative ? prevEnd : 0) + it.offset;
      if (start >= buf.length) return false;
      const src = buf.subarray(start, it.bytes !== undefined ? start + it.bytes : buf.length);
      const decoded = base64Decode(src, 'rfc2045');
      if (!decoded || decoded.length === 0) return false;
      if (it.data.length && !inspectItems(it.data, 0, decoded, 0, ctx)) return false;
      return inspectItems(items, i + 1, buf, prevEnd, ctx);
    }
  }
}
