// Decodes a batch from the native reader (records laid out as bpf/events.h says: a 128-byte
// header, then `captured` payload bytes) into CaptureEvents. Payloads are views into the batch.
import type { CaptureEvent, CaptureEventType, CaptureFlags, SocketRole, TlsLink } from './types';
import { formatV4, formatV6, isV4Mapped } from './addr';

export const EVENT_VERSION = 1;
export const HEADER_BYTES = 128;

// Offsets of struct pt_event (bpf/events.h).
const O = {
  version: 0,
  type: 2,
  family: 3,
  role: 4,
  source: 5,
  flags: 6,
  pid: 8,
  tid: 12,
  uid: 16,
  netns: 20,
  ts: 24,
  cgroup: 32,
  cookie: 40,
  laddr: 48,
  raddr: 64,
  lport: 80,
  rport: 82,
  len: 84,
  captured: 88,
  aux: 92,
  comm: 96,
  tlsCtx: 112,
} as const;

const F_TRUNCATED = 1 << 0;
const F_NO_PAYLOAD = 1 << 1;
const F_PEEK = 1 << 2;
const F_READ_FAULT = 1 << 3;
const F_TLS_CIPHERTEXT = 1 << 4;
const F_TLS_LINK_EXACT = 1 << 5;
const F_TLS_LINK_INFERRED = 1 << 6;
const F_V4_MAPPED = 1 << 7;

const TYPES: (CaptureEventType | undefined)[] = [
  undefined,
  'send',
  'recv',
  'connect',
  'established',
  'close',
  'tls_write',
  'tls_read',
];
const ROLES: SocketRole[] = ['unknown', 'client', 'server'];

/** Converts the BPF clock (CLOCK_MONOTONIC ns) to wall-clock ms. */
export interface ClockOffset {
  monotonicToRealtimeMs: number;
}

export interface DecodeResult {
  events: CaptureEvent[];
  /** Records that could not be decoded (unknown version/type, bad length); skipped. */
  malformed: number;
}

// comm strings keyed by their first 8 bytes (most comms are no longer; longer ones are decoded).
const commCache = new Map<number, Map<number, string>>();
let commCached = 0;

function readComm(buf: Buffer, off: number): string {
  if (buf[off + 8] !== 0) return decodeComm(buf, off);
  const lo = buf.readUInt32LE(off);
  const hi = buf.readUInt32LE(off + 4);
  let inner = commCache.get(lo);
  const hit = inner?.get(hi);
  if (hit !== undefined) return hit;
  const s = decodeComm(buf, off);
  if (commCached > 4096) {
    commCache.clear();
    commCached = 0;
    inner = undefined;
  }
  if (!inner) commCache.set(lo, (inner = new Map()));
  inner.set(hi, s);
  commCached++;
  return s;
}

// One frozen CaptureFlags object per combination of the five bits: no allocation per event.
const flagObjects: CaptureFlags[] = [];
for (let bits = 0; bits < 32; bits++) {
  flagObjects.push(
    Object.freeze({
      truncated: (bits & F_TRUNCATED) !== 0,
      noPayload: (bits & F_NO_PAYLOAD) !== 0,
      peek: (bits & F_PEEK) !== 0,
      readFault: (bits & F_READ_FAULT) !== 0,
      tlsCiphertext: (bits & F_TLS_CIPHERTEXT) !== 0,
    }),
  );
}

function flagsOf(flags: number): CaptureFlags {
  return flagObjects[flags & 31];
}

// cgroup ids and socket cookies repeat from event to event: reuse their BigInts.
const u64Cache = new Map<number, bigint>();

function readU64(buf: Buffer, off: number): bigint {
  const hi = buf.readUInt32LE(off + 4);
  if (hi >= 0x200000) return buf.readBigUInt64LE(off); // beyond 2^53: not a safe number key
  const key = hi * 4294967296 + buf.readUInt32LE(off);
  let v = u64Cache.get(key);
  if (v === undefined) {
    if (u64Cache.size > 16384) u64Cache.clear();
    v = BigInt(key);
    u64Cache.set(key, v);
  }
  return v;
}

function decodeComm(buf: Buffer, off: number): string {
  let end = off;
  const max = off + 16;
  while (end < max && buf[end] !== 0) end++;
  return buf.toString('utf8', off, end);
}

export function decodeBatch(buf: Buffer, clock: ClockOffset): DecodeResult {
  const events: CaptureEvent[] = [];
  let malformed = 0;
  let off = 0;
  while (off + HEADER_BYTES <= buf.length) {
    const captured = buf.readUInt32LE(off + O.captured);
    const end = off + HEADER_BYTES + captured;
    if (end > buf.length) {
      malformed++;
      break; // the rest of the batch cannot be framed
    }
    const version = buf.readUInt16LE(off + O.version);
    const type = TYPES[buf[off + O.type]];
    if (version !== EVENT_VERSION || type === undefined) {
      malformed++;
      off = end;
      continue;
    }
    const flags = buf.readUInt16LE(off + O.flags);
    const tsLo = buf.readUInt32LE(off + O.ts);
    const tsHi = buf.readUInt32LE(off + O.ts + 4);
    let family: 4 | 6;
    let localAddr: string;
    let remoteAddr: string;
    const fam = buf[off + O.family];
    if (fam === 4) {
      family = 4;
      localAddr = formatV4(buf, off + O.laddr);
      remoteAddr = formatV4(buf, off + O.raddr);
    } else if ((flags & F_V4_MAPPED) !== 0 || isV4Mapped(buf, off + O.raddr)) {
      family = 4;
      localAddr = isV4Mapped(buf, off + O.laddr) ? formatV4(buf, off + O.laddr + 12) : formatV6(buf, off + O.laddr);
      remoteAddr = formatV4(buf, off + O.raddr + 12);
    } else {
      family = 6;
      localAddr = formatV6(buf, off + O.laddr);
      remoteAddr = formatV6(buf, off + O.raddr);
    }
    const ev: CaptureEvent = {
      version,
      type,
      tsNs: buf.readBigUInt64LE(off + O.ts),
      timeMs: (tsHi * 4294967296 + tsLo) / 1e6 + clock.monotonicToRealtimeMs,
      pid: buf.readUInt32LE(off + O.pid),
      tid: buf.readUInt32LE(off + O.tid),
      uid: buf.readUInt32LE(off + O.uid),
      comm: readComm(buf, off + O.comm),
      cgroupId: readU64(buf, off + O.cgroup),
      netnsIno: buf.readUInt32LE(off + O.netns),
      socketCookie: readU64(buf, off + O.cookie),
      family,
      localAddr,
      localPort: buf.readUInt16LE(off + O.lport),
      remoteAddr,
      remotePort: buf.readUInt16LE(off + O.rport),
      role: ROLES[buf[off + O.role]] ?? 'unknown',
      len: buf.readUInt32LE(off + O.len),
      captured,
      flags: flagsOf(flags),
      payload: buf.subarray(off + HEADER_BYTES, end),
    };
    if (type === 'tls_write' || type === 'tls_read') {
      const link: TlsLink =
        flags & F_TLS_LINK_EXACT ? 'exact' : flags & F_TLS_LINK_INFERRED ? 'inferred' : 'none';
      ev.tlsLink = link;
      ev.tlsContext = buf.readBigUInt64LE(off + O.tlsCtx);
      ev.tlsLibraryId = buf.readUInt32LE(off + O.aux);
    }
    events.push(ev);
    off = end;
  }
  if (off < buf.length && off + HEADER_BYTES > buf.length) malformed++;
  return { events, malformed };
}
