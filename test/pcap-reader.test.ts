// The pcap reader and frame decoder: byte orders, timestamp precisions, link types, VLANs, IPv6,
// and clear errors for files that are not pcap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parsePcapBuffer, PcapParser, PcapFormatError, readPcap, readPcapFile } from '../src/pcap/reader';
import { LINKTYPE, decodeFrame, formatAddr } from '../src/pcap/decode';
import { PcapWriter, TcpConversation, tcpIpPacket, linkFrame, fragmentIpv4, fragmentIpv6 } from '../src/pcap/writer';
import { replayPcap, type PipelineEvent } from '../src/pipeline';

function tmpFile(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proctap-pcap-'));
  return path.join(dir, name);
}

function httpCapture(linktype: number, family: 4 | 6, vlans?: number[]): Buffer {
  const w = new PcapWriter(linktype);
  const c = family === 4 ? { addr: '10.0.0.1', port: 40001 } : { addr: 'fd00::1', port: 40001 };
  const s = family === 4 ? { addr: '10.0.0.2', port: 8080 } : { addr: 'fd00::2', port: 8080 };
  const conv = new TcpConversation(w, c, s, { family, vlans });
  conv.handshake();
  conv.send(true, 'GET /linktype/test?x=1 HTTP/1.1\r\nHost: t\r\n\r\n');
  conv.send(false, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  conv.close();
  return w.toBuffer();
}

test('every supported link type, IPv4 and IPv6, VLAN tags: the request comes out', () => {
  const cases: Array<[string, number, 4 | 6, number[]?]> = [
    ['ethernet', LINKTYPE.ETHERNET, 4],
    ['ethernet v6', LINKTYPE.ETHERNET, 6],
    ['ethernet vlan', LINKTYPE.ETHERNET, 4, [100]],
    ['ethernet qinq v6', LINKTYPE.ETHERNET, 6, [100, 200]],
    ['sll', LINKTYPE.LINUX_SLL, 4],
    ['sll v6', LINKTYPE.LINUX_SLL, 6],
    ['sll2', LINKTYPE.LINUX_SLL2, 4],
    ['sll2 v6', LINKTYPE.LINUX_SLL2, 6],
    ['null', LINKTYPE.NULL, 4],
    ['null v6', LINKTYPE.NULL, 6],
    ['raw', LINKTYPE.RAW, 4],
    ['raw v6', LINKTYPE.RAW, 6],
    ['ipv4', LINKTYPE.IPV4, 4],
  ];
  for (const [name, lt, fam, vlans] of cases) {
    const file = tmpFile(`${name.replace(/ /g, '-')}.pcap`);
    fs.writeFileSync(file, httpCapture(lt, fam, vlans));
    const events: PipelineEvent[] = [];
    const r = replayPcap(file, (e) => events.push(e));
    assert.equal(r.header.linktype, lt, name);
    const resp = events.find((e) => e.kind === 'http-response');
    assert.ok(resp && resp.kind === 'http-response', `${name}: no response`);
    assert.equal(resp.tx.request!.uri, '/linktype/test?x=1', name);
    assert.equal(resp.tx.response!.body.toString(), 'ok', name);
    assert.equal(resp.tx.flow.client.addr, fam === 4 ? '10.0.0.1' : 'fd00::1', name);
    assert.equal(resp.tx.flow.server.port, 8080, name);
    assert.equal(resp.tx.flow.family, fam, name);
    assert.equal(events.filter((e) => e.kind === 'flow-end').length, 1, name);
  }
});

test('big-endian and nanosecond pcaps read the same records', () => {
  const le = httpCapture(LINKTYPE.ETHERNET, 4);
  const a = parsePcapBuffer(le);
  // Rewrite as big-endian with nanosecond timestamps.
  const be = Buffer.from(le);
  be.writeUInt32BE(0xa1b23c4d, 0);
  be.writeUInt16BE(le.readUInt16LE(4), 4);
  be.writeUInt16BE(le.readUInt16LE(6), 6);
  be.writeUInt32BE(le.readUInt32LE(16), 16);
  be.writeUInt32BE(le.readUInt32LE(20), 20);
  for (let p = 24; p < le.length; ) {
    const incl = le.readUInt32LE(p + 8);
    be.writeUInt32BE(le.readUInt32LE(p), p);
    be.writeUInt32BE(le.readUInt32LE(p + 4) * 1000, p + 4);
    be.writeUInt32BE(incl, p + 8);
    be.writeUInt32BE(le.readUInt32LE(p + 12), p + 12);
    p += 16 + incl;
  }
  const b = parsePcapBuffer(be);
  assert.equal(b.header.littleEndian, false);
  assert.equal(b.header.nanoseconds, true);
  assert.equal(b.records.length, a.records.length);
  for (let i = 0; i < a.records.length; i++) {
    assert.ok(Math.abs(a.records[i].timeMs - b.records[i].timeMs) < 1e-6);
    assert.deepEqual(b.records[i].data, a.records[i].data);
  }
});

test('records come out the same whatever the read chunking', () => {
  const buf = httpCapture(LINKTYPE.ETHERNET, 6);
  const whole = parsePcapBuffer(buf).records.map((r) => r.data.toString('hex'));
  for (const size of [1, 7, 16, 24, 100, 1500]) {
    const got: string[] = [];
    const p = new PcapParser((r) => got.push(r.data.toString('hex')));
    for (let i = 0; i < buf.length; i += size) p.push(Buffer.from(buf.subarray(i, i + size)));
    p.finish();
    assert.deepEqual(got, whole, `chunk ${size}`);
  }
  // The file reader with a tiny block size too.
  const file = tmpFile('blocks.pcap');
  fs.writeFileSync(file, buf);
  const got: string[] = [];
  readPcapFile(file, (r) => got.push(r.data.toString('hex')), 33);
  assert.deepEqual(got, whole);
  // And as an iterator.
  const it: string[] = [];
  for (const { rec, header } of readPcap(file, 50)) {
    assert.equal(header.linktype, LINKTYPE.ETHERNET);
    it.push(rec.data.toString('hex'));
  }
  assert.deepEqual(it, whole);
});

test('not a pcap, pcapng, corrupt record, truncated file: clear outcomes', () => {
  assert.throws(() => parsePcapBuffer(Buffer.from('this is not a pcap file at all....')), (e: Error) => e instanceof PcapFormatError && /not a pcap file/.test(e.message));
  const ng = Buffer.alloc(32);
  ng.writeUInt32BE(0x0a0d0d0a, 0);
  assert.throws(() => parsePcapBuffer(ng, 'x.pcapng'), /x\.pcapng: offset 0: pcapng is not supported/);
  assert.throws(() => parsePcapBuffer(Buffer.alloc(10), 'short.pcap'), /short\.pcap: offset 0: too short/);

  const good = httpCapture(LINKTYPE.ETHERNET, 4);
  const corrupt = Buffer.from(good);
  const second = 24 + 16 + good.readUInt32LE(24 + 8);
  corrupt.writeUInt32LE(0x7fffffff, second + 8);
  const seen: number[] = [];
  const p = new PcapParser((r) => seen.push(r.index), 'corrupt.pcap');
  assert.throws(() => p.push(corrupt), new RegExp(`corrupt\\.pcap: offset ${second}: record 1: captured length`));
  assert.deepEqual(seen, [0], 'records before the damage were delivered');

  const cut = good.subarray(0, good.length - 5);
  const r = parsePcapBuffer(cut);
  assert.equal(r.stats.truncated, true);
  assert.equal(r.records.length, parsePcapBuffer(good).records.length - 1);
});

test('frames that are not TCP/IP are classified, not thrown', () => {
  assert.deepEqual(decodeFrame(LINKTYPE.ETHERNET, Buffer.alloc(5)), { ok: false, skip: 'truncated' });
  const arp = Buffer.alloc(42);
  arp.writeUInt16BE(0x0806, 12);
  assert.deepEqual(decodeFrame(LINKTYPE.ETHERNET, arp), { ok: false, skip: 'not-ip' });
  const udp = Buffer.alloc(14 + 28);
  udp.writeUInt16BE(0x0800, 12);
  udp[14] = 0x45;
  udp.writeUInt16BE(28, 16);
  udp[14 + 9] = 17;
  assert.deepEqual(decodeFrame(LINKTYPE.ETHERNET, udp), { ok: false, skip: 'not-tcp' });
  const frag = Buffer.from(udp);
  frag[14 + 9] = 6;
  frag.writeUInt16BE(0x2000, 14 + 6);
  assert.deepEqual(decodeFrame(LINKTYPE.ETHERNET, frag), { ok: false, skip: 'ip-fragment' });
  assert.deepEqual(decodeFrame(9999, udp), { ok: false, skip: 'unsupported-linktype' });
});

test('addresses print in their usual text forms', () => {
  assert.equal(formatAddr(Buffer.from([192, 168, 1, 20])), '192.168.1.20');
  assert.equal(formatAddr(Buffer.from('20010db8000000000000000000000001', 'hex')), '2001:db8::1');
  assert.equal(formatAddr(Buffer.from('00000000000000000000000000000001', 'hex')), '::1');
  assert.equal(formatAddr(Buffer.from('fe800000000000000202b3fffe1e8329', 'hex')), 'fe80::202:b3ff:fe1e:8329');
  assert.equal(formatAddr(Buffer.from('00000000000000000000ffff0a000001', 'hex')), '::ffff:10.0.0.1');
  assert.equal(formatAddr(Buffer.from('20010db8000100000001000000000001', 'hex')), '2001:db8:1:0:1::1');
});

test('IP fragments (IPv4 and IPv6, out of order, duplicated) are reassembled before TCP', () => {
  for (const family of [4, 6] as const) {
    const w = new PcapWriter(LINKTYPE.ETHERNET);
    const c = family === 4 ? { addr: '10.7.0.1', port: 40100 } : { addr: 'fd07::1', port: 40100 };
    const s = family === 4 ? { addr: '10.7.0.2', port: 80 } : { addr: 'fd07::2', port: 80 };
    const conv = new TcpConversation(w, c, s, { family });
    conv.handshake();
    const req = Buffer.from(`GET /fragmented/${'x'.repeat(300)} HTTP/1.1\r\nHost: f\r\n\r\n`);
    const ip = tcpIpPacket(conv.segmentSpec(true, conv.cseq, req));
    const frags = family === 4 ? fragmentIpv4(ip, 64) : fragmentIpv6(ip, 64);
    // Last first, then the rest, one duplicated.
    for (const f of [frags[frags.length - 1], ...frags.slice(0, -1), frags[1]]) w.record(conv.timeMs++, linkFrame(LINKTYPE.ETHERNET, f, family));
    conv.cseq += req.length;
    conv.send(false, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    conv.close();
    const file = tmpFile(`frag${family}.pcap`);
    fs.writeFileSync(file, w.toBuffer());
    const events: PipelineEvent[] = [];
    const r = replayPcap(file, (e) => events.push(e));
    const tx = events.find((e) => e.kind === 'http-response');
    assert.ok(tx && tx.kind === 'http-response', `IPv${family}: no transaction`);
    assert.equal(tx.tx.request!.uri, `/fragmented/${'x'.repeat(300)}`);
    assert.equal(r.defrag.ip_reassembled, 1);
    assert.equal(r.defrag.ip_fragments, frags.length + 1);
    // Without reassembly the fragments are skipped and the request is lost.
    const none: PipelineEvent[] = [];
    const r2 = replayPcap(file, (e) => none.push(e), { defrag: false });
    assert.equal(none.filter((e) => e.kind === 'http-request').length, 0);
    assert.equal(r2.skipped['ip-fragment'], frags.length + 1);
  }
});
