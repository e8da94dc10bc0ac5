// TCP reassembly of packets: order, retransmissions, overlaps, missing handshakes, gaps, limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TcpReassembler, type ReassemblerOptions } from '../src/flow/tcp-reassembler';
import { decodeFrame, LINKTYPE } from '../src/pcap/decode';
import { tcpIpPacket, type TcpFrameSpec } from '../src/pcap/writer';
import type { FlowEndReason, FlowInfo, StreamChunk } from '../src/flow/types';
import { PcapPipeline, type PipelineEvent } from '../src/pipeline';

const C = { addr: '192.0.2.1', port: 51000 };
const S = { addr: '192.0.2.2', port: 80 };
const SYN = 0x02, ACK = 0x10, PSH = 0x08, FIN = 0x01, RST = 0x04;

class Recorder {
  chunks: StreamChunk[] = [];
  ends: Array<{ flow: FlowInfo; reason: FlowEndReason }> = [];
  data(c: StreamChunk) {
    this.chunks.push({ ...c, data: Buffer.from(c.data) });
  }
  end(flow: FlowInfo, reason: FlowEndReason) {
    this.ends.push({ flow, reason });
  }
  stream(dir: 'to_server' | 'to_client', flowId?: string): string {
    return this.chunks
      .filter((c) => c.dir === dir && (!flowId || c.flow.id === flowId))
      .map((c) => (c.gapBefore ? '<gap>' : '') + c.data.toString('latin1'))
      .join('');
  }
}

function seg(fromClient: boolean, seq: number, flags: number, payload = '', ack = 0): TcpFrameSpec {
  const a = fromClient ? C : S;
  const b = fromClient ? S : C;
  return { src: a.addr, dst: b.addr, sport: a.port, dport: b.port, seq, ack, flags, payload: Buffer.from(payload, 'latin1') };
}

function run(specs: TcpFrameSpec[], opts: ReassemblerOptions = {}): { rec: Recorder; r: TcpReassembler } {
  const rec = new Recorder();
  const r = new TcpReassembler(rec, opts);
  let t = 1000;
  for (const s of specs) {
    const d = decodeFrame(LINKTYPE.RAW, tcpIpPacket(s));
    assert.ok(d.ok);
    r.packet(d.pkt, t++);
  }
  r.flush();
  return { rec, r };
}

const CI = 1000; // client ISN
const SI = 9000; // server ISN
const handshake = [seg(true, CI, SYN), seg(false, SI, SYN | ACK, '', CI + 1), seg(true, CI + 1, ACK, '', SI + 1)];

test('in-order data with a handshake: exact streams, client from the SYN', () => {
  const { rec } = run([
    ...handshake,
    seg(true, CI + 1, PSH | ACK, 'hello ', SI + 1),
    seg(true, CI + 7, PSH | ACK, 'world', SI + 1),
    seg(false, SI + 1, PSH | ACK, 'reply', CI + 12),
    seg(true, CI + 12, FIN | ACK, '', SI + 6),
    seg(false, SI + 6, FIN | ACK, '', CI + 13),
  ]);
  assert.equal(rec.stream('to_server'), 'hello world');
  assert.equal(rec.stream('to_client'), 'reply');
  assert.equal(rec.ends.length, 1);
  assert.equal(rec.ends[0].reason, 'closed');
  assert.deepEqual([rec.ends[0].flow.client, rec.ends[0].flow.server], [C, S]);
  assert.deepEqual(rec.chunks.map((c) => c.offset), [0, 6, 0]);
});

test('out-of-order, retransmitted and overlapping segments give the original stream', () => {
  const text = 'The quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs.';
  const pieces: TcpFrameSpec[] = [];
  for (let i = 0; i < text.length; i += 7) pieces.push(seg(true, CI + 1 + i, PSH | ACK, text.slice(i, i + 7), SI + 1));
  // Shuffle deterministically, add retransmissions and overlapping re-segmentations.
  const shuffled = pieces.map((p, i) => ({ p, k: (i * 7919) % 13 })).sort((a, b) => a.k - b.k).map((x) => x.p);
  shuffled.splice(3, 0, pieces[0], pieces[2]);
  shuffled.push(seg(true, CI + 1 + 3, PSH | ACK, text.slice(3, 20), SI + 1));
  const { rec, r } = run([...handshake, ...shuffled]);
  assert.equal(rec.stream('to_server'), text);
  const c = r.counters();
  assert.ok(c.tcp_segments_out_of_order > 0);
  assert.ok(c.tcp_retransmissions > 0);
  assert.equal(c.tcp_gaps, 0);
});

test('overlap with different bytes: the first copy wins', () => {
  const { rec, r } = run([...handshake, seg(true, CI + 1, PSH | ACK, 'AAAA', SI + 1), seg(true, CI + 3, PSH | ACK, 'XXXXBB', SI + 1)]);
  assert.equal(rec.stream('to_server'), 'AAAA' + 'XXXXBB'.slice(2));
  assert.equal(r.counters().tcp_overlaps, 1);
});

test('midstream pickup: server port decides the roles, the stream is marked as having a gap before', () => {
  // First packet seen is the server's reply; no handshake at all.
  const { rec } = run([
    seg(false, SI + 100, PSH | ACK, 'HTTP/1.1 200 OK\r\n', CI + 500),
    seg(true, CI + 500, PSH | ACK, 'GET /next HTTP/1.1\r\n\r\n', SI + 117),
  ]);
  const f = rec.ends[0].flow;
  assert.deepEqual([f.client, f.server], [C, S]);
  assert.equal(rec.chunks[0].dir, 'to_client');
  assert.equal(rec.chunks[0].gapBefore, true);
  assert.equal(rec.stream('to_server'), '<gap>GET /next HTTP/1.1\r\n\r\n');
});

test('a SYN-ACK seen first makes its sender the server, whatever the ports', () => {
  const hi = { addr: '192.0.2.9', port: 60000 };
  const lo = { addr: '192.0.2.8', port: 1234 };
  const s1: TcpFrameSpec = { src: hi.addr, dst: lo.addr, sport: hi.port, dport: lo.port, seq: 77, ack: 10, flags: SYN | ACK };
  const s2: TcpFrameSpec = { src: lo.addr, dst: hi.addr, sport: lo.port, dport: hi.port, seq: 10, ack: 78, flags: ACK | PSH, payload: Buffer.from('hi') };
  const { rec } = run([s1, s2]);
  assert.deepEqual(rec.ends[0].flow.server, hi);
  assert.equal(rec.stream('to_server'), 'hi');
});

test('TCP Fast Open: data on the SYN is delivered', () => {
  const { rec } = run([seg(true, CI, SYN, 'GET /tfo HTTP/1.1\r\n\r\n'), seg(false, SI, SYN | ACK, '', CI + 22), seg(true, CI + 22, ACK | PSH, 'more', SI + 1)]);
  assert.equal(rec.stream('to_server'), 'GET /tfo HTTP/1.1\r\n\r\nmore');
});

test('sequence numbers wrapping around 2^32', () => {
  const isn = 0xfffffffa;
  const { rec } = run([
    seg(true, isn, SYN),
    seg(false, SI, SYN | ACK, '', isn + 1),
    seg(true, (isn + 1) >>> 0, PSH | ACK, 'abcdef', SI + 1),
    seg(true, (isn + 7) >>> 0, PSH | ACK, 'ghij', SI + 1),
  ]);
  assert.equal(rec.stream('to_server'), 'abcdefghij');
});

test('bytes the receiver acknowledged but we never saw become a gap, and delivery resumes', () => {
  const { rec, r } = run([
    ...handshake,
    seg(true, CI + 1, PSH | ACK, 'first-', SI + 1),
    // "LOST!!" (6 bytes) is missing from the capture; the server acknowledges it.
    seg(false, SI + 1, ACK, '', CI + 13),
    seg(true, CI + 13, PSH | ACK, 'third', SI + 1),
  ]);
  assert.equal(rec.stream('to_server'), 'first-<gap>third');
  const third = rec.chunks.find((c) => c.data.toString() === 'third')!;
  assert.equal(third.offset, 12, 'the offset counts the lost bytes');
  assert.equal(r.counters().tcp_gap_bytes, 6);
  assert.equal(rec.ends[0].flow.gaps, 1);
});

test('a hole that never fills: queued data is delivered after a gap at flush', () => {
  const { rec } = run([...handshake, seg(true, CI + 1, PSH | ACK, 'aaa', SI + 1), seg(true, CI + 10, PSH | ACK, 'zzz', SI + 1)]);
  assert.equal(rec.stream('to_server'), 'aaa<gap>zzz');
});

test('the out-of-order queue is bounded: beyond it the hole becomes a gap', () => {
  const specs = [...handshake, seg(true, CI + 1, PSH | ACK, 'x', SI + 1)];
  for (let i = 0; i < 50; i++) specs.push(seg(true, CI + 100 + i * 100, PSH | ACK, 'y'.repeat(100), SI + 1));
  const { rec, r } = run(specs, { maxQueuedBytes: 1000 });
  assert.ok(r.counters().tcp_gaps >= 1);
  assert.ok(rec.stream('to_server').startsWith('x<gap>yyyy'));
  assert.equal(rec.stream('to_server').replace(/<gap>/g, '').length, 1 + 5000);
});

test('inspection depth: bytes beyond it are dropped and the flow is marked truncated', () => {
  const specs = [...handshake];
  for (let i = 0; i < 10; i++) specs.push(seg(true, CI + 1 + i * 100, PSH | ACK, String(i).repeat(100), SI + 1));
  const { rec, r } = run(specs, { depth: 250 });
  assert.equal(rec.stream('to_server').length, 250);
  assert.equal(r.counters().tcp_bytes_beyond_depth, 750);
  assert.equal(rec.ends[0].flow.truncated, true);
});

test('data after a RST is still reassembled (RST injection) and counted; a new SYN starts a new flow', () => {
  const { rec, r } = run([
    ...handshake,
    seg(true, CI + 1, PSH | ACK, 'one', SI + 1),
    seg(false, SI + 1, RST | ACK, '', CI + 4), // injected: the client keeps talking
    seg(true, CI + 4, PSH | ACK, '-two', SI + 1),
    seg(true, 70000, SYN),
    seg(false, 80000, SYN | ACK, '', 70001),
    seg(true, 70001, PSH | ACK, 'three', 80001),
  ]);
  assert.deepEqual(rec.ends.map((e) => e.reason), ['reset', 'end-of-input']);
  const [f1, f2] = rec.ends.map((e) => e.flow.id);
  assert.notEqual(f1, f2);
  assert.equal(rec.stream('to_server', f1), 'one-two');
  assert.equal(rec.stream('to_server', f2), 'three');
  assert.equal(r.counters().tcp_data_after_rst, 1);
  assert.equal(r.counters().tcp_flows_reset, 1);
});

test('a RST followed by silence ends the flow after resetLingerMs', () => {
  const rec = new Recorder();
  const r = new TcpReassembler(rec, { resetLingerMs: 2000 });
  let t = 1000;
  for (const s of [...handshake, seg(true, CI + 1, PSH | ACK, 'x', SI + 1), seg(false, SI + 1, RST, '', 0)]) {
    const d = decodeFrame(LINKTYPE.RAW, tcpIpPacket(s));
    assert.ok(d.ok);
    r.packet(d.pkt, t);
  }
  r.expire(t + 1999);
  assert.equal(rec.ends.length, 0);
  r.expire(t + 2000);
  assert.deepEqual(rec.ends.map((e) => e.reason), ['reset']);
});

test('repeated SYNs with new ISNs before any data: the accepted handshake wins', () => {
  const { rec, r } = run([
    seg(true, 111, SYN),
    seg(true, 222, SYN),
    seg(true, 333, SYN),
    seg(false, SI, SYN | ACK, '', 223), // the server accepted the second one
    seg(true, 223, ACK, '', SI + 1),
    seg(true, 223, PSH | ACK, 'POST / HTTP/1.1\r\n\r\n', SI + 1),
  ]);
  assert.equal(rec.stream('to_server'), 'POST / HTTP/1.1\r\n\r\n');
  assert.ok(r.counters().tcp_syn_rebased >= 1);
});

test('midstream: false ignores flows whose handshake was not seen (Suricata default)', () => {
  const other = (h: TcpFrameSpec) => (h.sport === S.port ? { ...h, dport: 51001 } : { ...h, sport: 51001 });
  const { rec, r } = run([seg(true, CI + 1, PSH | ACK, 'GET / HTTP/1.1\r\n\r\n', SI + 1), ...handshake.map(other)], { midstream: false });
  assert.equal(rec.chunks.length, 0);
  assert.equal(r.counters().tcp_packets_midstream_ignored, 1);
  assert.equal(rec.ends.length, 1, 'the flow with a handshake is tracked');
});

test('idle flows time out in capture time', () => {
  const rec = new Recorder();
  const r = new TcpReassembler(rec, { idleTimeoutMs: 5000 });
  for (const s of [...handshake, seg(true, CI + 1, PSH | ACK, 'x', SI + 1)]) {
    const d = decodeFrame(LINKTYPE.RAW, tcpIpPacket(s));
    assert.ok(d.ok);
    r.packet(d.pkt, 1000);
  }
  assert.equal(r.expire(5999), 0);
  assert.equal(r.expire(6000), 1);
  assert.deepEqual(rec.ends.map((e) => e.reason), ['timeout']);
});

test('through the pipeline: a lost middle of a request body, the parser resumes at the next request', () => {
  const events: PipelineEvent[] = [];
  const pp = new PcapPipeline((e) => events.push(e));
  const req1 = 'POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n100\r\n' + 'x'.repeat(100);
  const lost = 'y'.repeat(156) + '\r\n0\r\n\r\n';
  const req2 = 'GET /after-gap HTTP/1.1\r\nHost: h\r\n\r\n';
  let t = 1;
  const feed = (s: TcpFrameSpec) => {
    const d = decodeFrame(LINKTYPE.RAW, tcpIpPacket(s));
    assert.ok(d.ok);
    pp.reassembler.packet(d.pkt, t++);
  };
  handshake.forEach(feed);
  feed(seg(true, CI + 1, PSH | ACK, req1, SI + 1));
  const after = CI + 1 + req1.length + lost.length;
  feed(seg(false, SI + 1, ACK, '', after)); // the server saw it all
  feed(seg(true, after, PSH | ACK, req2, SI + 1));
  pp.finish();
  const reqs = events.flatMap((e) => (e.kind === 'http-request' ? [e.tx] : []));
  assert.deepEqual(reqs.map((x) => x.request!.uri), ['/a', '/after-gap']);
  assert.equal(reqs[0].request!.complete, false);
  assert.ok(reqs[0].anomalies.some((a) => a.kind === 'gap'));
  assert.equal(reqs[1].request!.complete, true);
});
