// End to end on generated captures: many interleaved keep-alive conversations, segments
// reordered, duplicated and overlapping, through readPcap -> reassembly -> HTTP must give exactly
// the transactions that parsing the original byte streams gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PcapWriter, TcpConversation, type TcpFrameSpec } from '../src/pcap/writer';
import { replayPcap } from '../src/pipeline';
import { runSession, summary } from './http-helpers';
import { buildCorpus } from '../bench/http-corpus';
import { seededRandom } from '../src/util/rng';


test('interleaved conversations with reordering, duplicates and overlaps replay to the same transactions', () => {
  const r = seededRandom(2026);
  const corpus = buildCorpus(40, 6, 99);
  const w = new PcapWriter(1);
  let t = 1_700_000_000_000;
  type Pkt = { at: number; spec: TcpFrameSpec };
  const all: Pkt[] = [];
  corpus.forEach((conv, i) => {
    const c = { addr: `10.0.${i >> 8}.${i & 255}`, port: 40000 + i };
    const s = { addr: '10.1.0.1', port: 80 };
    const cisn = Math.floor(r() * 2 ** 32);
    const sisn = Math.floor(r() * 2 ** 32);
    const mk = (fromClient: boolean, seq: number, flags: number, payload?: Buffer): TcpFrameSpec =>
      fromClient
        ? { src: c.addr, dst: s.addr, sport: c.port, dport: s.port, seq: seq >>> 0, ack: 0, flags, payload }
        : { src: s.addr, dst: c.addr, sport: s.port, dport: c.port, seq: seq >>> 0, ack: 0, flags, payload };
    let at = i * 3;
    // Jitter below 1 keeps each conversation's own order (a response never precedes its request).
    const push = (spec: TcpFrameSpec) => all.push({ at: at++ + r() * 0.9, spec });
    push(mk(true, cisn, 0x02));
    push(mk(false, sisn, 0x12));
    // Segments of random sizes; some swapped with their neighbour, some sent twice, some resent
    // as a larger overlapping segment.
    const segs = (fromClient: boolean, data: Buffer, isn: number) => {
      const out: TcpFrameSpec[] = [];
      for (let off = 0; off < data.length; ) {
        const n = Math.min(data.length - off, 1 + Math.floor(r() * 1400));
        out.push(mk(fromClient, isn + 1 + off, 0x18, data.subarray(off, off + n)));
        if (r() < 0.05) out.push(mk(fromClient, isn + 1 + off, 0x18, data.subarray(off, off + n)));
        if (r() < 0.05 && off + n + 10 <= data.length) out.push(mk(fromClient, isn + 1 + off + 3, 0x18, data.subarray(off + 3, off + n + 10)));
        off += n;
      }
      for (let k = 0; k + 1 < out.length; k++) if (r() < 0.05) [out[k], out[k + 1]] = [out[k + 1], out[k]];
      return out;
    };
    const q = segs(true, conv.toServer, cisn);
    const s2 = segs(false, conv.toClient, sisn);
    // Pipelined: the requests, then the responses (a response never precedes its request).
    for (const x of q) push(x);
    for (const x of s2) push(x);
    push(mk(true, cisn + 1 + conv.toServer.length, 0x11));
    push(mk(false, sisn + 1 + conv.toClient.length, 0x11));
  });
  // Interleave conversations by their (jittered) time, keeping each conversation's own order.
  all.sort((a, b) => a.at - b.at);
  for (const p of all) w.tcp((t += 0.05), p.spec);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proctap-replay-'));
  const file = path.join(dir, 'mixed.pcap');
  fs.writeFileSync(file, w.toBuffer());

  const byClientPort = new Map<number, unknown[]>();
  const res = replayPcap(file, (ev) => {
    if (ev.kind === 'http-request' || ev.kind === 'http-response') {
      const a = byClientPort.get(ev.tx.flow.client.port) ?? [];
      a.push(ev);
      byClientPort.set(ev.tx.flow.client.port, a);
    }
  });
  assert.equal(res.reassembly.tcp_gaps, 0);
  assert.equal(res.reassembly.tcp_bytes_beyond_depth, 0);
  assert.ok(res.reassembly.tcp_retransmissions + res.reassembly.tcp_overlaps > 0);
  assert.ok(res.reassembly.tcp_segments_out_of_order > 0);
  corpus.forEach((conv, i) => {
    // Reference: the original byte streams straight into a session. Compare the completed
    // transactions (request + response), in order; event interleaving differs by design.
    const responses = (evs: unknown[]) => JSON.stringify(summary(evs as never).filter((e) => (e as { kind?: string }).kind === 'http-response'));
    const want = responses(runSession([{ dir: 'to_server', data: conv.toServer }, { dir: 'to_client', data: conv.toClient }]));
    const got = responses(byClientPort.get(40000 + i) ?? []);
    assert.ok(got === want, `conversation ${i} differs`);
    assert.equal(JSON.parse(got).length, conv.transactions);
  });
});

test('keep-alive conversations interleaved on the wire pair every response with its request', () => {
  const w = new PcapWriter(1);
  const convs = Array.from({ length: 8 }, (_, i) => new TcpConversation(w, { addr: '10.2.0.1', port: 50000 + i }, { addr: '10.2.0.2', port: 8080 }, { mss: 100 + i * 37 }));
  convs.forEach((c) => c.handshake());
  for (let round = 0; round < 5; round++) {
    convs.forEach((c, i) => c.send(true, `GET /c${i}/r${round} HTTP/1.1\r\nHost: k\r\n\r\n`));
    convs.forEach((c, i) => {
      const body = `body of c${i} r${round} `.repeat(round + i + 1);
      const chunked = (round + i) % 2 === 1;
      c.send(false, chunked
        ? `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`
        : `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    });
  }
  convs.forEach((c) => c.close());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proctap-replay-'));
  const file = path.join(dir, 'keepalive.pcap');
  fs.writeFileSync(file, w.toBuffer());
  const got: string[] = [];
  replayPcap(file, (ev) => {
    if (ev.kind === 'http-response') got.push(`${ev.tx.flow.client.port} ${ev.tx.index} ${ev.tx.request!.uri} ${ev.tx.response!.body.toString().split(' ').slice(0, 4).join(' ')}`);
  });
  const want: string[] = [];
  for (let round = 0; round < 5; round++) convs.forEach((_, i) => want.push(`${50000 + i} ${round} /c${i}/r${round} body of c${i} r${round}`));
  assert.deepEqual(got.sort(), want.sort());
});
