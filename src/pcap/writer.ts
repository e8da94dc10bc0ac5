// Writes classic pcap files and builds TCP frames: for tests, benchmarks and synthetic captures.
import * as fs from 'node:fs';
import { LINKTYPE } from './decode';

export interface TcpFrameSpec {
  family?: 4 | 6;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  seq: number;
  ack?: number;
  /** FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10 */
  flags: number;
  payload?: Buffer;
  /** 802.1Q tags to put in front of the IP header (Ethernet link type only). */
  vlans?: number[];
}

function ipv4Bytes(a: string): Buffer {
  const p = a.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !(x >= 0 && x <= 255))) throw new Error(`bad IPv4 address ${a}`);
  return Buffer.from(p);
}

function ipv6Bytes(a: string): Buffer {
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const hw = head ? head.split(':').filter((x) => x !== '') : [];
  const tw = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const fill = tail !== undefined ? 8 - hw.length - tw.length : 0;
  const words = [...hw, ...Array(fill).fill('0'), ...tw].map((w) => parseInt(w, 16));
  if (words.length !== 8 || words.some((w) => !(w >= 0 && w <= 0xffff))) throw new Error(`bad IPv6 address ${a}`);
  const b = Buffer.alloc(16);
  words.forEach((w, i) => b.writeUInt16BE(w, i * 2));
  return b;
}

function checksum(buf: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < buf.length; i += 2) sum += buf.readUInt16BE(i);
  if (buf.length & 1) sum += buf[buf.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** An IP packet (v4 or v6) carrying one TCP segment. */
export function tcpIpPacket(s: TcpFrameSpec): Buffer {
  const payload = s.payload ?? Buffer.alloc(0);
  const tcp = Buffer.alloc(20 + payload.length);
  tcp.writeUInt16BE(s.sport, 0);
  tcp.writeUInt16BE(s.dport, 2);
  tcp.writeUInt32BE(s.seq >>> 0, 4);
  tcp.writeUInt32BE((s.ack ?? 0) >>> 0, 8);
  tcp[12] = 5 << 4;
  tcp[13] = s.flags;
  tcp.writeUInt16BE(65535, 14);
  payload.copy(tcp, 20);
  if ((s.family ?? 4) === 4) {
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + tcp.length, 2);
    ip[8] = 64;
    ip[9] = 6;
    ipv4Bytes(s.src).copy(ip, 12);
    ipv4Bytes(s.dst).copy(ip, 16);
    ip.writeUInt16BE(checksum(ip), 10);
    return Buffer.concat([ip, tcp]);
  }
  const ip = Buffer.alloc(40);
  ip[0] = 0x60;
  ip.writeUInt16BE(tcp.length, 4);
  ip[6] = 6;
  ip[7] = 64;
  ipv6Bytes(s.src).copy(ip, 8);
  ipv6Bytes(s.dst).copy(ip, 24);
  return Buffer.concat([ip, tcp]);
}

/** An IP packet (v4 or v6) with the given protocol and payload (no options, no extension headers). */
export function ipPacket(family: 4 | 6, src: string, dst: string, proto: number, payload: Buffer): Buffer {
  if (family === 4) {
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + payload.length, 2);
    ip[8] = 64;
    ip[9] = proto;
    ipv4Bytes(src).copy(ip, 12);
    ipv4Bytes(dst).copy(ip, 16);
    ip.writeUInt16BE(checksum(ip), 10);
    return Buffer.concat([ip, payload]);
  }
  const ip = Buffer.alloc(40);
  ip[0] = 0x60;
  ip.writeUInt16BE(payload.length, 4);
  ip[6] = proto;
  ip[7] = 64;
  ipv6Bytes(src).copy(ip, 8);
  ipv6Bytes(dst).copy(ip, 24);
  return Buffer.concat([ip, payload]);
}

/** The outer addresses of a tunnel packet. */
export interface TunnelOuter {
  family?: 4 | 6;
  src: string;
  dst: string;
}

/** Ethertype of a bare IP packet, from its version nibble. */
function ipEthertype(ip: Buffer): number {
  return ip[0] >> 4 === 6 ? 0x86dd : 0x0800;
}

/** An Ethernet frame (no VLAN) around an IP packet: the inner frame of VXLAN and GRE bridging. */
export function ethernetFrame(ip: Buffer): Buffer {
  return linkFrame(LINKTYPE.ETHERNET, ip, ipEthertype(ip) === 0x86dd ? 6 : 4);
}

export interface GreSpec extends TunnelOuter {
  /** GRE protocol type; default: the inner IP packet's ethertype. */
  protocol?: number;
  checksum?: boolean;
  key?: number;
  seq?: number;
}

/** An IP packet carrying `inner` in GRE version 0, with the optional checksum/key/sequence fields. */
export function greEncap(inner: Buffer, s: GreSpec): Buffer {
  let flags = 0;
  const fields: Buffer[] = [];
  if (s.checksum) {
    flags |= 0x8000;
    fields.push(Buffer.alloc(4)); // checksum filled in below, reserved1 0
  }
  if (s.key !== undefined) {
    flags |= 0x2000;
    const k = Buffer.alloc(4);
    k.writeUInt32BE(s.key >>> 0);
    fields.push(k);
  }
  if (s.seq !== undefined) {
    flags |= 0x1000;
    const q = Buffer.alloc(4);
    q.writeUInt32BE(s.seq >>> 0);
    fields.push(q);
  }
  const h = Buffer.alloc(4);
  h.writeUInt16BE(flags, 0);
  h.writeUInt16BE(s.protocol ?? ipEthertype(inner), 2);
  const gre = Buffer.concat([h, ...fields, inner]);
  if (s.checksum) gre.writeUInt16BE(checksum(gre), 4);
  return ipPacket(s.family ?? 4, s.src, s.dst, 47, gre);
}

/** An IP/UDP packet (UDP checksum left 0, which IPv4 allows and decoders here do not check). */
export function udpPacket(o: TunnelOuter, sport: number, dport: number, payload: Buffer): Buffer {
  const u = Buffer.alloc(8);
  u.writeUInt16BE(sport, 0);
  u.writeUInt16BE(dport, 2);
  u.writeUInt16BE(8 + payload.length, 4);
  return ipPacket(o.family ?? 4, o.src, o.dst, 17, Buffer.concat([u, payload]));
}

/** VXLAN over UDP 4789 around an inner Ethernet frame. */
export function vxlanEncap(innerEthernet: Buffer, s: TunnelOuter & { vni?: number; sport?: number }): Buffer {
  const h = Buffer.alloc(8);
  h[0] = 0x08;
  h.writeUIntBE((s.vni ?? 1) & 0xffffff, 4, 3);
  return udpPacket(s, s.sport ?? 49152, 4789, Buffer.concat([h, innerEthernet]));
}

/** Geneve over UDP 6081 around `inner` (an IP packet, or an Ethernet frame with ethertype 0x6558). */
export function geneveEncap(inner: Buffer, s: TunnelOuter & { ethertype?: number; options?: Buffer; vni?: number; sport?: number }): Buffer {
  const opts = s.options ?? Buffer.alloc(0);
  if (opts.length % 4 !== 0 || opts.length > 252) throw new Error('Geneve options are 0-252 bytes, a multiple of 4');
  const h = Buffer.alloc(8);
  h[0] = opts.length / 4;
  h.writeUInt16BE(s.ethertype ?? ipEthertype(inner), 2);
  h.writeUIntBE((s.vni ?? 1) & 0xffffff, 4, 3);
  return udpPacket(s, s.sport ?? 49152, 6081, Buffer.concat([h, opts, inner]));
}

/** A frame of the given link type around an IP packet. */
export function linkFrame(linktype: number, ip: Buffer, family: 4 | 6, vlans: number[] = []): Buffer {
  const ethertype = family === 4 ? 0x0800 : 0x86dd;
  switch (linktype) {
    case LINKTYPE.ETHERNET: {
      const h = Buffer.alloc(14 + vlans.length * 4);
      h.write('020000000001', 0, 'hex');
      h.write('020000000002', 6, 'hex');
      let o = 12;
      for (const v of vlans) {
        h.writeUInt16BE(0x8100, o);
        h.writeUInt16BE(v & 0x0fff, o + 2);
        o += 4;
      }
      h.writeUInt16BE(ethertype, o);
      return Buffer.concat([h, ip]);
    }
    case LINKTYPE.LINUX_SLL: {
      const h = Buffer.alloc(16);
      h.writeUInt16BE(0, 0); // to us
      h.writeUInt16BE(1, 2); // ARPHRD_ETHER
      h.writeUInt16BE(6, 4);
      h.writeUInt16BE(ethertype, 14);
      return Buffer.concat([h, ip]);
    }
    case LINKTYPE.LINUX_SLL2: {
      const h = Buffer.alloc(20);
      h.writeUInt16BE(ethertype, 0);
      h.writeUInt32BE(1, 4); // interface index
      h.writeUInt16BE(1, 8);
      h[11] = 6;
      return Buffer.concat([h, ip]);
    }
    case LINKTYPE.NULL: {
      const h = Buffer.alloc(4);
      h.writeUInt32LE(family === 4 ? 2 : 30, 0);
      return Buffer.concat([h, ip]);
    }
    case LINKTYPE.RAW:
    case LINKTYPE.IPV4:
    case LINKTYPE.IPV6:
      return ip;
    default:
      throw new Error(`cannot build frames for link type ${linktype}`);
  }
}

/** Collects records and writes a classic pcap (little-endian, microseconds). */
export class PcapWriter {
  private readonly parts: Buffer[] = [];
  private fd: number | undefined;
  bytes = 0;

  constructor(
    readonly linktype: number = LINKTYPE.ETHERNET,
    file?: string,
  ) {
    const h = Buffer.alloc(24);
    h.writeUInt32LE(0xa1b2c3d4, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeUInt32LE(262144, 16);
    h.writeUInt32LE(linktype, 20);
    if (file) this.fd = fs.openSync(file, 'w');
    this.out(h);
  }

  private pending: Buffer[] = [];
  private pendingBytes = 0;

  private out(b: Buffer): void {
    this.bytes += b.length;
    if (this.fd === undefined) {
      this.parts.push(b);
      return;
    }
    this.pending.push(b);
    this.pendingBytes += b.length;
    if (this.pendingBytes >= 1 << 20) this.drain();
  }

  private drain(): void {
    if (this.fd === undefined || this.pending.length === 0) return;
    fs.writeSync(this.fd, Buffer.concat(this.pending, this.pendingBytes));
    this.pending = [];
    this.pendingBytes = 0;
  }

  record(timeMs: number, frame: Buffer, origLen = frame.length): void {
    const h = Buffer.alloc(16);
    const sec = Math.floor(timeMs / 1000);
    h.writeUInt32LE(sec, 0);
    h.writeUInt32LE(Math.round((timeMs - sec * 1000) * 1000), 4);
    h.writeUInt32LE(frame.length, 8);
    h.writeUInt32LE(origLen, 12);
    this.out(h);
    this.out(frame);
  }

  /**
   * Wraps every IP packet written by tcp() (e.g. in a tunnel: `(ip) => greEncap(ip, outer)`);
   * the result's version nibble sets the link-layer family.
   */
  encap: ((ip: Buffer) => Buffer) | undefined;

  tcp(timeMs: number, spec: TcpFrameSpec): void {
    let ip = tcpIpPacket(spec);
    if (this.encap) ip = this.encap(ip);
    const fam = ip[0] >> 4 === 6 ? 6 : 4;
    this.record(timeMs, linkFrame(this.linktype, ip, fam, spec.vlans));
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }

  close(): void {
    this.drain();
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * A TCP conversation with sequence numbers tracked: handshake, data either way (split into
 * segments of at most `mss`), close. Each call writes frames with increasing timestamps.
 */
export class TcpConversation {
  cseq: number;
  sseq: number;
  timeMs: number;

  constructor(
    private readonly w: PcapWriter,
    readonly client: { addr: string; port: number },
    readonly server: { addr: string; port: number },
    opts: { family?: 4 | 6; startMs?: number; isn?: [number, number]; vlans?: number[]; mss?: number } = {},
  ) {
    this.family = opts.family ?? 4;
    this.timeMs = opts.startMs ?? 1_700_000_000_000;
    this.cseq = opts.isn?.[0] ?? 1000;
    this.sseq = opts.isn?.[1] ?? 5000;
    this.vlans = opts.vlans;
    this.mss = opts.mss ?? 1460;
  }

  readonly family: 4 | 6;
  readonly vlans?: number[];
  readonly mss: number;

  private spec(fromClient: boolean, flags: number, payload?: Buffer, seq?: number): TcpFrameSpec {
    const a = fromClient ? this.client : this.server;
    const b = fromClient ? this.server : this.client;
    return {
      family: this.family,
      src: a.addr,
      dst: b.addr,
      sport: a.port,
      dport: b.port,
      seq: seq ?? (fromClient ? this.cseq : this.sseq),
      ack: fromClient ? this.sseq : this.cseq,
      flags,
      payload,
      vlans: this.vlans,
    };
  }

  /** Builds (without writing) a frame spec for a data segment at an explicit sequence number. */
  segmentSpec(fromClient: boolean, seq: number, payload: Buffer, flags = 0x18): TcpFrameSpec {
    return this.spec(fromClient, flags, payload, seq);
  }

  emit(spec: TcpFrameSpec): void {
    this.timeMs += 1;
    this.w.tcp(this.timeMs, spec);
  }

  handshake(): void {
    this.emit(this.spec(true, 0x02));
    this.cseq = (this.cseq + 1) >>> 0;
    this.emit(this.spec(false, 0x12));
    this.sseq = (this.sseq + 1) >>> 0;
    this.emit(this.spec(true, 0x10));
  }

  /** Sends data in MSS-sized segments and acknowledges it from the other side. */
  send(fromClient: boolean, data: Buffer | string): void {
    const buf = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    for (let i = 0; i < buf.length; i += this.mss) {
      const seg = buf.subarray(i, i + this.mss);
      this.emit(this.spec(fromClient, 0x18, seg));
      if (fromClient) this.cseq = (this.cseq + seg.length) >>> 0;
      else this.sseq = (this.sseq + seg.length) >>> 0;
    }
    this.emit(this.spec(!fromClient, 0x10));
  }

  close(): void {
    this.emit(this.spec(true, 0x11));
    this.cseq = (this.cseq + 1) >>> 0;
    this.emit(this.spec(false, 0x11));
    this.sseq = (this.sseq + 1) >>> 0;
    this.emit(this.spec(true, 0x10));
  }
}

/** Splits an IPv4 packet into fragments carrying at most `size` payload bytes (a multiple of 8). */
export function fragmentIpv4(ip: Buffer, size: number, id = 0x1234): Buffer[] {
  const ihl = (ip[0] & 0x0f) * 4;
  const payload = ip.subarray(ihl);
  const out: Buffer[] = [];
  for (let off = 0; off < payload.length; off += size) {
    const part = payload.subarray(off, off + size);
    const h = Buffer.from(ip.subarray(0, ihl));
    h.writeUInt16BE(ihl + part.length, 2);
    h.writeUInt16BE(id, 4);
    h.writeUInt16BE(((off + size < payload.length ? 1 : 0) << 13) | (off / 8), 6);
    h.writeUInt16BE(0, 10);
    h.writeUInt16BE(checksum(h), 10);
    out.push(Buffer.concat([h, part]));
  }
  return out;
}

/** Splits an IPv6 packet (no extension headers) into fragments with a fragment header. */
export function fragmentIpv6(ip: Buffer, size: number, id = 0x12345678): Buffer[] {
  const payload = ip.subarray(40);
  const next = ip[6];
  const out: Buffer[] = [];
  for (let off = 0; off < payload.length; off += size) {
    const part = payload.subarray(off, off + size);
    const h = Buffer.from(ip.subarray(0, 40));
    h.writeUInt16BE(8 + part.length, 4);
    h[6] = 44;
    const fh = Buffer.alloc(8);
    fh[0] = next;
    fh.writeUInt16BE(off | (off + size < payload.length ? 1 : 0), 2);
    fh.writeUInt32BE(id, 4);
    out.push(Buffer.concat([h, fh, part]));
  }
  return out;
}
