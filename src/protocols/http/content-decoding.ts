// Content-Encoding decoding of bodies (gzip, deflate, br), bounded: output never exceeds the cap,
// whatever the compression ratio (decompression bombs stop at the cap), and a truncated or corrupt
// stream yields what could be decoded plus a reason.
import * as zlib from 'node:zlib';

export interface DecodeOutcome {
  body: Buffer;
  /** Layers decoded, outermost first. */
  layers: string[];
  capped: boolean;
  /** Why decoding stopped early, when it did. */
  error?: string;
}

const MAX_LAYERS = 3;

/**
 * Coding names from Content-Encoding header values, in the order they were applied. Names are
 * matched leniently (`x-gzip`, `gzip;`, `gzip\0`, `x-deflate` all count), as browsers do.
 */
export function contentCodings(values: string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    for (const part of v.split(',')) {
      const c = part.toLowerCase().replace(/[\x00-\x20\x7f]+/g, '');
      if (!c || c === 'identity') continue;
      if (c.includes('gzip')) out.push('gzip');
      else if (c.includes('deflate')) out.push('deflate');
      else if (c === 'br' || c.startsWith('br;')) out.push('br');
      else out.push(c);
    }
  }
  return out;
}

/**
 * Undoes the codings (applied in order, so decoded last-first). Unknown codings stop decoding:
 * the body is returned as far as it was decoded.
 */
export function decodeContent(body: Buffer, codings: string[], cap: number): DecodeOutcome {
  let cur = body;
  const layers: string[] = [];
  let capped = false;
  const todo = codings.slice(-MAX_LAYERS).reverse();
  let error: string | undefined;
  for (const coding of todo) {
    const step = decodeOne(cur, coding, cap);
    if (!step) {
      error ??= `unsupported coding ${coding}`;
      continue; // leave this layer as is, as browsers do with codings they do not know
    }
    if (step.error && step.out.length === 0) {
      // Labelled but not encoded that way (a common evasion and a common server bug): pass through.
      error ??= `${coding}: ${step.error}`;
      continue;
    }
    cur = step.out;
    layers.push(coding);
    if (step.capped) capped = true;
    if (step.error) error ??= `${coding}: ${step.error}`;
  }
  if (cur.length > cap) {
    cur = cur.subarray(0, cap);
    capped = true;
  }
  return { body: cur, layers, capped, error };
}

type Step = { out: Buffer; capped: boolean; error?: string };

function decodeOne(input: Buffer, coding: string, cap: number): Step | undefined {
  switch (coding) {
    case 'gzip':
    case 'x-gzip': {
      const strict = bounded(input, cap, (buf, max) => zlib.gunzipSync(buf, { maxOutputLength: max, finishFlush: zlib.constants.Z_SYNC_FLUSH }));
      if (!strict.error) return strict;
      // zlib rejects reserved header flags and bad CRC/length trailers; the deflate data inside
      // is still what a lenient client shows. Decode it raw, past our own header parse.
      const start = gzipPayloadStart(input);
      if (start < 0) return strict;
      const raw = bounded(input.subarray(start), cap, (buf, max) => zlib.inflateRawSync(buf, { maxOutputLength: max, finishFlush: zlib.constants.Z_SYNC_FLUSH }));
      return raw.out.length >= strict.out.length ? { ...raw, error: raw.error ?? strict.error } : strict;
    }
    case 'deflate': {
      // "deflate" is zlib-wrapped per the RFC; many servers send raw deflate instead.
      const wrapped = input.length >= 2 && (input[0] & 0x0f) === 8 && ((input[0] << 8) | input[1]) % 31 === 0;
      const fn = wrapped ? zlib.inflateSync : zlib.inflateRawSync;
      return bounded(input, cap, (buf, max) => fn(buf, { maxOutputLength: max, finishFlush: zlib.constants.Z_SYNC_FLUSH }));
    }
    case 'br':
      return bounded(input, cap, (buf, max) =>
        zlib.brotliDecompressSync(buf, { maxOutputLength: max, finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH }),
      );
    default:
      return undefined;
  }
}

/** Offset of the deflate data in a gzip member (RFC 1952 header), or -1. */
function gzipPayloadStart(b: Buffer): number {
  if (b.length < 18 || b[0] !== 0x1f || b[1] !== 0x8b || b[2] !== 8) return -1;
  const flg = b[3];
  let p = 10;
  if (flg & 4) {
    if (p + 2 > b.length) return -1;
    p += 2 + b.readUInt16LE(p);
  }
  if (flg & 8) {
    while (p < b.length && b[p] !== 0) p++;
    p++;
  }
  if (flg & 16) {
    while (p < b.length && b[p] !== 0) p++;
    p++;
  }
  if (flg & 2) p += 2;
  return p < b.length ? p : -1;
}

/**
 * zlib's sync API throws when output would exceed maxOutputLength rather than returning the
 * prefix. So on overflow, decode shorter input prefixes (halving) until one fits: the output stays
 * under the cap and the work is bounded by about log2(input) decodes of at most `cap` bytes.
 */
function bounded(input: Buffer, cap: number, run: (buf: Buffer, max: number) => Buffer): Step {
  let len = input.length;
  let capped = false;
  for (let attempt = 0; attempt < 40 && len > 0; attempt++) {
    try {
      const out = run(len === input.length ? input : input.subarray(0, len), cap + 1);
      if (out.length > cap) return { out: out.subarray(0, cap), capped: true };
      return { out, capped };
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
        capped = true;
        len = Math.floor(len / 2);
        continue;
      }
      // Corrupt data: decode what precedes the damage by shrinking too, but report it.
      if (len === input.length) {
        const partial = salvage(input, cap, run);
        return { out: partial, capped: false, error: e.message };
      }
      len = Math.floor(len / 2);
    }
  }
  return { out: Buffer.alloc(0), capped, error: capped ? undefined : 'no decodable prefix' };
}

function salvage(input: Buffer, cap: number, run: (buf: Buffer, max: number) => Buffer): Buffer {
  let len = input.length;
  for (let attempt = 0; attempt < 24 && len > 16; attempt++) {
    len = Math.floor(len / 2);
    try {
      const out = run(input.subarray(0, len), cap + 1);
      return out.length > cap ? out.subarray(0, cap) : out;
    } catch {
      // keep shrinking
    }
  }
  return Buffer.alloc(0);
}
