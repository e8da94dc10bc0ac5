// IP fragment reassembly (IPv4, and IPv6 fragment headers) for pcap replay: fragments are held
// per datagram until they cover it, then one whole IP packet is rebuilt and decoded as usual.
// Overlaps keep the first copy (as for TCP). Bounded: datagrams time out in capture time, and the
// bytes held have a cap beyond which the oldest datagrams are dropped (counted).

export interface DefragOptions {
  /** A datagram whose fragments do not all arrive within this time (capture time) is dropped. */
  timeoutMs?: number;
  /** Bytes of fragments held at most. */
  maxBytes?: number;
}

export interface DefragCounters {
  ip_fragments: number;
  ip_reassembled: number;
  ip_frag_overlaps: number;
  ip_frag_timeouts: number;
  ip_frag_dropped: number;
}

interface Piece {
  off: number;
  data: Buffer;
}

interface Datagram {
  key: string;
  family: 4 | 6;
  /** IPv4: the first fragment's header; IPv6: the fixed header. Set by the offset-0 fragment. */
  header?: Buffer;
  /** IPv6: the protocol after the fragment header. */
  nextHeader: number;
  pieces: Piece[];
  total: number; // -1 until the last fragment is seen
  bytes: number;
  firstMs: number;
}

const MAX_DATAGRAM = 65535 + 40;

export class IpDefragmenter {
  private readonly table = new Map<string, Datagram>();
  private held = 0;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  readonly c: DefragCounters = { ip_fragments: 0, ip_reassembled: 0, ip_frag_overlaps: 0, ip_frag_timeouts: 0, ip_frag_dropped: 0 };

  constructor(opts: DefragOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.maxBytes = opts.maxBytes ?? 16 << 20;
  }

  get heldBytes(): number {
    return this.held;
  }

  /**
   * An IPv4 fragment at f[off..end) (header included). Returns the reassembled IPv4 packet once
   * complete (fragment fields cleared, total length set), else undefined.
   */
  ipv4(f: Buffer, off: number, end: number, timeMs: number): Buffer | undefined {
    const ihl = (f[off] & 0x0f) * 4;
    const fragField = f.readUInt16BE(off + 6);
    const fragOff = (fragField & 0x1fff) * 8;
    const more = (fragField & 0x2000) !== 0;
    const key = `4:${f.toString('latin1', off + 12, off + 20)}:${f[off + 9]}:${f.readUInt16BE(off + 4)}`;
    const d = this.datagram(key, 4, timeMs);
    if (fragOff === 0) d.header = Buffer.from(f.subarray(off, off + ihl));
    return this.add(d, fragOff, f.subarray(off + ihl, end), more, timeMs);
  }

  /**
   * An IPv6 fragment: `ip` is the fixed header's offset, `frag` the fragment header's, `end` the
   * end of the packet. Returns the reassembled IPv6 packet (fixed header + payload) once complete.
   */
  ipv6(f: Buffer, ip: number, frag: number, end: number, timeMs: number): Buffer | undefined {
    const fo = f.readUInt16BE(frag + 2);
    const fragOff = fo & 0xfff8;
    const more = (fo & 1) !== 0;
    const key = `6:${f.toString('latin1', ip + 8, ip + 40)}:${f.readUInt32BE(frag + 4)}`;
    const d = this.datagram(key, 6, timeMs);
    if (fragOff === 0) {
      d.header = Buffer.from(f.subarray(ip, ip + 40));
      d.nextHeader = f[frag];
    }
    return this.add(d, fragOff, f.subarray(frag + 8, end), more, timeMs);
  }

  private datagram(key: string, family: 4 | 6, timeMs: number): Datagram {
    this.c.ip_fragments++;
    let d = this.table.get(key);
    if (!d) {
      d = { key, family, nextHeader: 0, pieces: [], total: -1, bytes: 0, firstMs: timeMs };
      this.table.set(key, d);
    }
    return d;
  }

  private add(d: Datagram, off: number, data: Buffer, more: boolean, timeMs: number): Buffer | undefined {
    if (off + data.length > MAX_DATAGRAM) {
      this.drop(d);
      this.c.ip_frag_dropped++;
      return undefined;
    }
    if (!more) d.total = off + data.length;
    if (data.length > 0) {
      d.pieces.push({ off, data: Buffer.from(data) });
      d.bytes += data.length;
      this.held += data.length;
    }
    this.expire(timeMs);
    while (this.held > this.maxBytes && this.table.size > 0) {
      const oldest = this.table.values().next().value as Datagram;
      this.drop(oldest);
      this.c.ip_frag_dropped++;
    }
    if (!this.table.has(d.key) || d.total < 0 || !d.header) return undefined;
    // Complete when the pieces cover [0, total) without a hole.
    const sorted = [...d.pieces].sort((a, b) => a.off - b.off);
    let covered = 0;
    for (const p of sorted) {
      if (p.off > covered) return undefined;
      covered = Math.max(covered, p.off + p.data.length);
    }
    if (covered < d.total) return undefined;
    // First copy wins: write pieces in arrival order, never over bytes already written.
    const payload = Buffer.alloc(d.total);
    const written = new Uint8Array(d.total);
    for (const p of d.pieces) {
      for (let i = 0; i < p.data.length && p.off + i < d.total; i++) {
        const at = p.off + i;
        if (written[at]) {
          if (payload[at] !== p.data[i]) this.c.ip_frag_overlaps++;
          continue;
        }
        written[at] = 1;
        payload[at] = p.data[i];
      }
    }
    this.drop(d);
    this.c.ip_reassembled++;
    const h = Buffer.from(d.header);
    if (d.family === 4) {
      h.writeUInt16BE(h.length + payload.length, 2);
      h.writeUInt16BE(0, 6);
      return Buffer.concat([h, payload]);
    }
    h.writeUInt16BE(payload.length, 4);
    h[6] = d.nextHeader; // extension headers before the fragment header are not kept
    return Buffer.concat([h, payload]);
  }

  private drop(d: Datagram): void {
    if (this.table.get(d.key) !== d) return;
    this.table.delete(d.key);
    this.held -= d.bytes;
  }

  /** Drops datagrams older than the timeout (capture time). */
  expire(nowMs: number): void {
    for (const d of this.table.values()) {
      if (nowMs - d.firstMs < this.timeoutMs) break; // insertion order is age order
      this.drop(d);
      this.c.ip_frag_timeouts++;
    }
  }
}
