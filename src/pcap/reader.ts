// Classic pcap files (libpcap format, either byte order, micro- or nanosecond timestamps), read as
// a stream of records in fixed-size blocks so a large capture never sits in memory whole.
import * as fs from 'node:fs';

export interface PcapHeader {
  littleEndian: boolean;
  nanoseconds: boolean;
  versionMajor: number;
  versionMinor: number;
  snaplen: number;
  /** Link-layer header type (LINKTYPE_*). */
  linktype: number;
}

export interface PcapRecord {
  /** 0-based record number. */
  index: number;
  /** Capture time, milliseconds since the epoch (fractional part kept). */
  timeMs: number;
  /** Bytes on the wire; `data.length` is what was captured. */
  origLen: number;
  /** A view into the reader's block buffer: valid until the next record is read. Copy to keep. */
  data: Buffer;
}

/** A file that is not a classic pcap, or a record header that cannot be right. */
export class PcapFormatError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    message: string,
  ) {
    super(`${file}: offset ${offset}: ${message}`);
  }
}

const EMPTY = Buffer.alloc(0);
const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;
const PCAPNG_MAGIC = 0x0a0d0d0a;
/** Largest record we accept (a jumbo frame is 9 KB; USB and loopback captures reach 256 KB). */
export const MAX_RECORD = 262144 * 4;

export function parsePcapHeader(buf: Buffer, file = '<buffer>'): PcapHeader {
  if (buf.length < 24) throw new PcapFormatError(file, 0, `too short for a pcap header (${buf.length} bytes)`);
  const be = buf.readUInt32BE(0);
  const le = buf.readUInt32LE(0);
  let littleEndian: boolean;
  let nanoseconds: boolean;
  if (le === MAGIC_US || le === MAGIC_NS) {
    littleEndian = true;
    nanoseconds = le === MAGIC_NS;
  } else if (be === MAGIC_US || be === MAGIC_NS) {
    littleEndian = false;
    nanoseconds = be === MAGIC_NS;
  } else if (be === PCAPNG_MAGIC) {
    throw new PcapFormatError(file, 0, 'pcapng is not supported; convert with `editcap -F pcap`');
  } else {
    throw new PcapFormatError(file, 0, `not a pcap file (magic 0x${be.toString(16).padStart(8, '0')})`);
  }
  const u16 = (o: number) => (littleEndian ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number) => (littleEndian ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  return {
    littleEndian,
    nanoseconds,
    versionMajor: u16(4),
    versionMinor: u16(6),
    snaplen: u32(16),
    linktype: u32(20) & 0x0fffffff, // upper bits carry FCS information
  };
}

export interface PcapReadStats {
  records: number;
  bytes: number;
  /** The file ended inside a record (a capture cut short); the partial record was dropped. */
  truncated: boolean;
}

/**
 * Incremental pcap parser: feed bytes in any chunking with `push`, get complete records through
 * the callback. Keeps at most one partial record between pushes.
 */
export class PcapParser {
  header?: PcapHeader;
  readonly stats: PcapReadStats = { records: 0, bytes: 0, truncated: false };
  private pending: Buffer = EMPTY;
  private consumed = 0; // file offset of pending[0]

  constructor(
    private readonly onRecord: (rec: PcapRecord, header: PcapHeader) => void,
    private readonly file = '<buffer>',
  ) {}

  push(chunk: Buffer): void {
    let buf = chunk;
    // Complete a header or record that straddles the boundary with just the bytes it needs, so
    // a large read block is never copied as a whole.
    while (this.pending.length > 0) {
      const need = this.bytesToComplete(this.pending);
      if (need > buf.length) {
        this.pending = Buffer.concat([this.pending, buf]);
        return;
      }
      this.pending = Buffer.concat([this.pending, buf.subarray(0, need)]);
      buf = buf.subarray(need);
      if (this.bytesToComplete(this.pending) > 0) continue; // had only a record header so far
      const used = this.parse(this.pending, true);
      this.consumed += used;
      this.pending = used < this.pending.length ? this.pending.subarray(used) : EMPTY;
      if (used === 0) break; // cannot happen for a complete unit; avoid spinning
    }
    const base = 0;
    const used = this.parse(buf, false);
    this.consumed += used + base;
    // Copy the tail: the caller may reuse `chunk`.
    this.pending = used < buf.length ? Buffer.from(buf.subarray(used)) : EMPTY;
  }

  /** Bytes to add to `p` (a partial header or record) to complete the pcap header or one record. */
  private bytesToComplete(p: Buffer): number {
    if (!this.header) return 24 - p.length > 0 ? 24 - p.length : 0;
    if (p.length < 16) return 16 - p.length;
    const le = this.header.littleEndian;
    const incl = le ? p.readUInt32LE(8) : p.readUInt32BE(8);
    if (incl > MAX_RECORD) return 0; // let parse() report it
    return Math.max(0, 16 + incl - p.length);
  }

  /** Parses whole records from buf; returns bytes consumed. `one`: at most the header/one record. */
  private parse(buf: Buffer, one: boolean): number {
    let pos = 0;
    if (!this.header) {
      if (buf.length < 24) return 0;
      this.header = parsePcapHeader(buf, this.file);
      pos = 24;
      if (one) return pos;
    }
    const h = this.header;
    const le = h.littleEndian;
    const frac = h.nanoseconds ? 1e-6 : 1e-3;
    while (buf.length - pos >= 16) {
      const sec = le ? buf.readUInt32LE(pos) : buf.readUInt32BE(pos);
      const sub = le ? buf.readUInt32LE(pos + 4) : buf.readUInt32BE(pos + 4);
      const incl = le ? buf.readUInt32LE(pos + 8) : buf.readUInt32BE(pos + 8);
      const orig = le ? buf.readUInt32LE(pos + 12) : buf.readUInt32BE(pos + 12);
      if (incl > MAX_RECORD) {
        throw new PcapFormatError(this.file, this.consumed + pos, `record ${this.stats.records}: captured length ${incl} is impossible`);
      }
      if (buf.length - pos - 16 < incl) break;
      const rec: PcapRecord = {
        index: this.stats.records,
        timeMs: sec * 1000 + sub * frac,
        origLen: orig,
        data: buf.subarray(pos + 16, pos + 16 + incl),
      };
      this.stats.records++;
      this.stats.bytes += incl;
      pos += 16 + incl;
      this.onRecord(rec, h);
      if (one) break;
    }
    return pos;
  }

  /** Call at end of input: notes a partial trailing record (or a file too short for a header). */
  finish(): void {
    if (!this.header) throw new PcapFormatError(this.file, 0, `too short for a pcap header (${this.pending.length} bytes)`);
    if (this.pending.length > 0) this.stats.truncated = true;
    this.pending = Buffer.alloc(0);
  }
}

/**
 * Reads a pcap file synchronously in 1 MiB blocks, calling `onRecord` for each record. Returns the
 * header and stats. Throws PcapFormatError (with file and offset) for a file that is not pcap or a
 * corrupt record header; records before it have been delivered.
 */
export function readPcapFile(
  file: string,
  onRecord: (rec: PcapRecord, header: PcapHeader) => void,
  blockSize = 1 << 20,
): { header: PcapHeader; stats: PcapReadStats } {
  const parser = new PcapParser(onRecord, file);
  const fd = fs.openSync(file, 'r');
  try {
    const block = Buffer.allocUnsafe(blockSize);
    for (;;) {
      const n = fs.readSync(fd, block, 0, blockSize, null);
      if (n <= 0) break;
      parser.push(block.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  parser.finish();
  return { header: parser.header!, stats: parser.stats };
}

/** All records of an in-memory pcap (tests, fuzzing). */
export function parsePcapBuffer(buf: Buffer, file = '<buffer>'): { header: PcapHeader; records: PcapRecord[]; stats: PcapReadStats } {
  const records: PcapRecord[] = [];
  const parser = new PcapParser((r) => records.push({ ...r, data: Buffer.from(r.data) }), file);
  parser.push(buf);
  parser.finish();
  return { header: parser.header!, records, stats: parser.stats };
}

/**
 * The records of a pcap file as an iterator, read in blocks: `for (const { rec, header } of
 * readPcap(file))`. A record's data is a view valid until the loop asks for the next block
 * (copy it to keep it longer). Throws PcapFormatError as readPcapFile does.
 */
export function* readPcap(file: string, blockSize = 1 << 20): Generator<{ rec: PcapRecord; header: PcapHeader }, PcapReadStats> {
  const batch: Array<{ rec: PcapRecord; header: PcapHeader }> = [];
  const parser = new PcapParser((rec, header) => batch.push({ rec, header }), file);
  const fd = fs.openSync(file, 'r');
  try {
    const block = Buffer.allocUnsafe(blockSize);
    for (;;) {
      const n = fs.readSync(fd, block, 0, blockSize, null);
      if (n <= 0) break;
      parser.push(block.subarray(0, n));
      for (const item of batch) yield item;
      batch.length = 0;
    }
  } finally {
    fs.closeSync(fd);
  }
  parser.finish();
  return parser.stats;
}
