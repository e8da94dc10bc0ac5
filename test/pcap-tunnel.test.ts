// Tunnel decapsulation in the pcap decoder: GRE (v4/v6, checksum/key/sequence, routing, PPTP,
// ERSPAN I/II/III, Ethernet bridging), VXLAN, Geneve, IP-in-IP; HTTP through tunnels comes out of
// the pipeline as if captured bare; bad tunnel headers are classified, never thrown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeFrame, formatAddr, LINKTYPE, type DecodeResult } from '../src/pcap/decode';
import { IpDefragmenter } from '../src/pcap/defrag';
import {
  PcapWriter,
  TcpConversation,
  ethernetFrame,
  fragmentIpv4,
  geneveEncap,
  greEncap,
  ipPacket,
  linkFrame,
  tcpIpPacket,
  udpPacket,
  vxlanEncap,
  type TcpFrameSpec,
} from '../src/pcap/writer';
import { replayPcap } from '../src/pipeline';

const SV = path.resolve(__dirname, '../../shared/data/suricata-verify-http');

const inner: TcpFrameSpec = { src: '192.168.7.1', dst: '192.168.7.2', sport: 40001, dport: 80, seq: 77, ack: 5, flags: 0x18, payload: Buffer.from('GET /t HTTP/1.1\r\n\r\n') };
const inner6: TcpFrameSpec = { ...inner, family: 6, src: 'fd00::7:1', dst: 'fd00::7:2' };
const outer4 = { src: '10.0.0.1', dst: '10.0.0.2' };
const outer6 = { family: 6 as const, src: '2001:db8::1', dst: '2001:db8::2' };

const eth = (ip: Buffer): Buffer => linkFrame(LINKTYPE.ETHERNET, ip, ip[0] >> 4 === 6 ? 6 : 4);

/** The decoded inner TCP segment must be exactly `spec`. */
function assertInner(r: DecodeResult, spec: TcpFrameSpec, what: string): void {
  assert.ok(r.ok, `${what}: ${!r.ok ? r.skip : ''}`);
  if (!r.ok) return;
  assert.equal(r.pkt.family, spec.family ?? 4, what);
  assert.equal(formatAddr(r.pkt.src), spec.src, what);
  assert.equal(formatAddr(r.pkt.dst), spec.dst, what);
  assert.deepEqual([r.pkt.sport, r.pkt.dport, r.pkt.seq, r.pkt.ack, r.pkt.flags], [spec.sport, spec.dport, spec.seq, spec.ack, spec.flags], what);
  assert.equal(r.pkt.payload.toString('latin1'), spec.payload!.toString('latin1'), what);
}

test('GRE over IPv4 and IPv6, with every combination of checksum, key and sequence', () => {
  for (const outer of [outer4, outer6]) {
    for (const spec of [inner, inner6]) {
      for (let m = 0; m < 8; m++) {
        const gre = { ...outer, checksum: (m & 1) !== 0, key: m & 2 ? 0xdeadbeef : undefined, seq: m & 4 ? 42 : undefined };
        const frame = eth(greEncap(tcpIpPacket(spec), gre));
        assertInner(decodeFrame(LINKTYPE.ETHERNET, frame), spec, `outer v${outer.family ?? 4} inner v${spec.family ?? 4} flags ${m}`);
      }
    }
  }
});

test('GRE with RFC 1701 source routing, transparent Ethernet bridging and PPTP enhanced GRE', () => {
  const ip = tcpIpPacket(inner);
  // Routing present (R): checksum/offset word, then SREs ending with family 0 length 0.
  const routed = Buffer.concat([Buffer.from([0x40, 0x00, 0x08, 0x00, 0, 0, 0, 0]), Buffer.from([0x08, 0x00, 0x00, 0x04, 1, 2, 3, 4]), Buffer.alloc(4), ip]);
  assertInner(decodeFrame(LINKTYPE.ETHERNET, eth(ipPacket(4, outer4.src, outer4.dst, 47, routed))), inner, 'routing');
  // NVGRE-style: an Ethernet frame (with a VLAN tag) inside GRE 0x6558.
  const teb = greEncap(linkFrame(LINKTYPE.ETHERNET, ip, 4, [12]), { ...outer4, protocol: 0x6558, key: 0x100 });
  assertInner(decodeFrame(LINKTYPE.ETHERNET, eth(teb)), inner, 'bridging');
  // Version 1 (PPTP): key (payload length + call id), sequence, ack, then PPP with/without ff03.
  for (const ppp of [Buffer.from([0xff, 0x03, 0x00, 0x21]), Buffer.from([0x21]), Buffer.from([0x00, 0x21])]) {
    const h = Buffer.from([0x30, 0x81, 0x88, 0x0b, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 0]);
    h.writeUInt16BE(ppp.length + ip.length, 4);
    const pkt = ipPacket(4, outer4.src, outer4.dst, 47, Buffer.concat([h, ppp, ip]));
    assertInner(decodeFrame(LINKTYPE.ETHERNET, eth(pkt)), inner, `pptp ${ppp.toString('hex')}`);
  }
  // PPP carrying something other than IP (LCP) is not IP.
  const lcp = ipPacket(4, outer4.src, outer4.dst, 47, Buffer.from([0x30, 0x01, 0x88, 0x0b, 0, 4, 0, 7, 0, 0, 0, 1, 0xc0, 0x21, 1, 1]));
  assert.deepEqual(decodeFrame(LINKTYPE.ETHERNET, eth(lcp)), { ok: false, skip: 'not-ip' });
});

test('ERSPAN types I, II and III', () => {
  const frame = ethernetFrame(tcpIpPacket(inner));
  const typeI = greEncap(frame, { ...outer4, protocol: 0x88be });
  assertInner(decodeFrame(LINKTYPE.ETHERNET, eth(typeI)), inner, 'type I');
  const h2 = Buffer.from([0x10, 0x05, 0x00, 0x2a, 0, 0, 0, 3]); // version 1, vlan 5, session 42
  const typeII = greEncap(Buffer.concat([h2, frame]), { ...outer4, protocol: 0x88be, seq: 9 });
  assertInner(decodeFrame(LINKTYPE.ETHERNET, eth(typeII)), inner, 'type II');
  const h3 = Buffer.from([0x20, 0x05, 0x00, 0x2a, 1, 2, 3, 4, 0, 0, 0, 0]); // version 2, frame type 0
  assertInner(decodeFrame(LINKTYPE.ETHERNET, eth(greEncap(Buffer.concat([h3, frame]), { ...outer4, protocol: 0x22eb, seq: 1 }))), inner, 'type III');
  const h3o = Buffer.from(h3);
  h3o[11] |= 1; // optional 8-byte platform-specific subheader
  assertInner(decodeFrame(LINKTYPE.ETHERNET, eth(greEncap(Buffer.concat([h3o, Buffer.alloc(8), frame]), { ...outer4, protocol: 0x22eb, seq: 1 }))), inner, 'type III + subheader');
  const h3ip = Buffer.from(h3);
  h3ip.writeUInt16BE(2 << 10, 10); // frame type 2: IP without Ethernet
  assertInner(decodeFrame(LINKTYPE.ETHERNET, eth(greEncap(Buffer.concat([h3ip, tcpIpPacket(inner6)]), { ...outer4, protocol: 0x22eb, seq: 1 }))), inner6, 'type III IP');
  const bad = Buffer.from(h2);
  bad[0] = 0x70; // unknown ERSPAN version
  assert.deepEqual(decodeFrame(LINKTYPE.ETHERNET, eth(greEncap(Buffer.concat([bad, frame]), { ...outer4, protocol: 0x88be, seq: 9 }))), { ok: false, skip: 'bad-tunnel-header' });
});

test('VXLAN, Geneve (with options; Ethernet or IP inside) and IP-in-IP', () => {
  assertInner(decodeFrame(LINKTYPE.ETHERNET, eth(vxlanEncap(ethernetFrame(tcpIpPacket(inner)), { ...outer4, vni: 5000 }))), inner, 'vxlan');
  assertInner(decodeFrame(LINKTYPE.ETHERNET, eth(vxlanEncap(ethernetFrame(tcpIpPacket(inner6)), outer6))), inner6, 'vxlan over v6');
  assertInner(decodeFrame(LINKTYPE.ETHERNET, eth(geneveEncap(tcpIpPacket(inner), outer4))), inner, 'geneve ip');
  const opts = Buffer.from('0108010231e129cdc0cd86330108020200000000000000000108030123456789', 'hex');
  assertInner(decodeFrame(LINKTYPE.ETHERNET, eth(geneveEncap(tcpIpPacket(inner6), { ...outer4, options: opts }))), inner6, 'geneve options');
  assertInner(decodeFrame(LINKTYPE.ETHERNET, eth(geneveEncap(ethernetFrame(tcpIpPacket(inner)), { ...outer6, ethertype: 0x6558 }))), inner, 'geneve ethernet');
  assertInner(decodeFrame(LINKTYPE.ETHERNET, eth(ipPacket(4, outer4.src, outer4.dst, 4, tcpIpPacket(inner)))), inner, 'ipip');
  assertInner(decodeFrame(LINKTYPE.ETHERNET, eth(ipPacket(4, outer4.src, outer4.dst, 41, tcpIpPacket(inner6)))), inner6, '6in4');
  assertInner(decodeFrame(LINKTYPE.ETHERNET, eth(ipPacket(6, outer6.src, outer6.dst, 4, tcpIpPacket(inner)))), inner, '4in6');
  // Geneve carrying GRE carrying TCP, as in suricata-verify bug-6402-01.
  const nested = geneveEncap(greEncap(tcpIpPacket(inner), { src: '10.0.1.72', dst: '10.0.2.31' }), outer4);
  assertInner(decodeFrame(LINKTYPE.ETHERNET, eth(nested)), inner, 'geneve > gre');
});

test('not a tunnel, broken tunnels and endless nesting are classified, not thrown', () => {
  const ip = tcpIpPacket(inner);
  const skip = (b: Buffer) => {
    const r = decodeFrame(LINKTYPE.ETHERNET, eth(b));
    return r.ok ? 'ok' : r.skip;
  };
  assert.equal(skip(udpPacket(outer4, 53, 53, Buffer.from('dns'))), 'not-tcp');
  // Port 4789 without the VXLAN I flag is plain UDP.
  assert.equal(skip(udpPacket(outer4, 1, 4789, Buffer.concat([Buffer.alloc(8), ethernetFrame(ip)]))), 'not-tcp');
  assert.equal(skip(ipPacket(4, outer4.src, outer4.dst, 47, Buffer.from([0x00, 0x00]))), 'truncated');
  assert.equal(skip(ipPacket(4, outer4.src, outer4.dst, 47, Buffer.from([0x30, 0x00, 0x08, 0x00, 0, 0]))), 'truncated'); // key+seq announced, absent
  assert.equal(skip(ipPacket(4, outer4.src, outer4.dst, 47, Buffer.concat([Buffer.from([0x00, 0x05, 0x08, 0x00]), ip]))), 'bad-tunnel-header'); // version 5
  assert.equal(skip(ipPacket(4, outer4.src, outer4.dst, 47, Buffer.concat([Buffer.from([0x00, 0x00, 0x12, 0x34]), ip]))), 'not-ip'); // unknown protocol
  const geneveV1 = udpPacket(outer4, 1, 6081, Buffer.concat([Buffer.from([0x40, 0, 0x08, 0, 0, 0, 1, 0]), ip]));
  assert.equal(skip(geneveV1), 'bad-tunnel-header');
  assert.equal(skip(udpPacket(outer4, 1, 6081, Buffer.from([0x3f, 0, 0x08, 0, 0, 0, 1, 0]))), 'truncated'); // options longer than the packet
  // The outer IP total length bounds the inner packet, whatever the inner header claims.
  const cut = greEncap(ip, outer4);
  cut.writeUInt16BE(cut.length - 10, 2);
  const rc = decodeFrame(LINKTYPE.ETHERNET, eth(cut));
  assert.ok(rc.ok);
  assert.equal(rc.pkt.payload.length, inner.payload!.length - 10);
  cut.writeUInt16BE(20 + 4 + 30, 2); // ends inside the inner TCP header
  assert.equal(skip(cut), 'truncated');
  // IP-in-IP nested 20 deep stops at the depth limit.
  let deep = ip;
  for (let i = 0; i < 20; i++) deep = ipPacket(4, outer4.src, outer4.dst, 4, deep);
  assert.equal(skip(deep), 'tunnel-too-deep');
  // Random bytes after a GRE header never throw.
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
  for (let i = 0; i < 2000; i++) {
    const body = Buffer.from(Array.from({ length: rnd() % 96 }, rnd));
    for (const proto of [47, 4, 41]) decodeFrame(LINKTYPE.ETHERNET, eth(ipPacket(4, outer4.src, outer4.dst, proto, body)));
    decodeFrame(LINKTYPE.ETHERNET, eth(udpPacket(outer4, 1, i & 1 ? 4789 : 6081, body)));
  }
});

test('a fragmented GRE packet is reassembled, then decapsulated', () => {
  const spec = { ...inner, payload: Buffer.alloc(3000, 0x61) };
  const frags = fragmentIpv4(greEncap(tcpIpPacket(spec), { ...outer4, key: 1 }), 1024);
  assert.equal(frags.length, 3);
  const ctx = { defrag: new IpDefragmenter(), timeMs: 1 };
  const results = frags.map((f) => decodeFrame(LINKTYPE.ETHERNET, eth(f), ctx));
  assert.deepEqual(results.slice(0, 2), [{ ok: false, skip: 'ip-fragment' }, { ok: false, skip: 'ip-fragment' }]);
  assertInner(results[2], spec, 'reassembled');
});

test('HTTP conversations through GRE, VXLAN and Geneve replay to their transactions', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proctap-tunnel-'));
  try {
    const file = path.join(dir, 'tunnels.pcap');
    const w = new PcapWriter(LINKTYPE.ETHERNET, file);
    const tunnels: Array<[string, (ip: Buffer) => Buffer, 4 | 6]> = [
      ['gre', (ip) => greEncap(ip, { ...outer4, key: 7, seq: 1, checksum: true }), 4],
      ['gre6', (ip) => greEncap(ip, outer6), 6],
      ['vxlan', (ip) => vxlanEncap(ethernetFrame(ip), outer4), 4],
      ['geneve', (ip) => geneveEncap(ip, outer6), 6],
    ];
    tunnels.forEach(([name, encap, family], i) => {
      w.encap = encap;
      const c = new TcpConversation(w, { addr: family === 4 ? `192.168.9.${i + 1}` : `fd00::9:${i + 1}`, port: 41000 + i }, { addr: family === 4 ? '192.168.9.100' : 'fd00::9:100', port: 80 }, { family, startMs: 1_700_000_000_000 + i * 1000, mss: 500 });
      c.handshake();
      c.send(true, `POST /${name} HTTP/1.1\r\nHost: t\r\nContent-Length: 1200\r\n\r\n${'x'.repeat(1200)}`);
      c.send(false, `HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n${name.slice(0, 3)}`);
      c.close();
    });
    w.close();
    const txs: string[] = [];
    const res = replayPcap(file, (ev) => {
      if (ev.kind === 'http-response') txs.push(`${ev.tx.flow.client.addr} ${ev.tx.request!.method} ${ev.tx.request!.uri} ${ev.tx.response!.status}`);
    });
    assert.deepEqual(txs, ['192.168.9.1 POST /gre 200', 'fd00::9:2 POST /gre6 200', '192.168.9.3 POST /vxlan 200', 'fd00::9:4 POST /geneve 200']);
    assert.equal(res.tcpPackets, res.packets);
    assert.deepEqual(res.skipped, {});
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('suricata-verify bug-6402-01: HTTP inside GRE inside Geneve', () => {
  const txs: string[] = [];
  const res = replayPcap(path.join(SV, 'bug-6402-01/input.pcap'), (ev) => {
    if (ev.kind === 'http-response') txs.push(`${ev.tx.flow.client.addr}:${ev.tx.flow.client.port} > ${ev.tx.flow.server.addr}:${ev.tx.flow.server.port} ${ev.tx.request!.method} ${ev.tx.request!.uri} ${ev.tx.response!.status}`);
  });
  assert.equal(res.packets, 12);
  assert.equal(res.tcpPackets, 12);
  assert.deepEqual(txs, ['10.2.0.1:39198 > 10.2.0.2:1234 GET / 200']);
});
