// Bounded memory under floods: many flows that each hold bytes (unfinished headers, queued
// out-of-order segments, bodies) stay within the global budget by evicting the least recently
// active flows, which end with reason 'evicted' and are counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamPipeline, PcapPipeline, LivePipeline, type PipelineEvent } from '../src/pipeline';
import type { FlowInfo } from '../src/flow/types';
import { decodeFrame, LINKTYPE } from '../src/pcap/decode';
import { tcpIpPacket } from '../src/pcap/writer';
import type { CaptureEvent } from '../src/capture/types';

function flow(i: number): FlowInfo {
  return { id: `f${i}`, source: 'pcap', family: 4, client: { addr: '10.0.0.1', port: 1024 + (i % 60000) }, server: { addr: '10.0.0.2', port: 80 }, localRole: 'unknown', tls: false, startMs: 0, lastMs: 0 };
}

test('a flood of unfinished requests stays inside the memory cap', () => {
  const cap = 2 << 20;
  const ends: PipelineEvent[] = [];
  const p = new StreamPipeline((e) => e.kind === 'flow-end' && ends.push(e), { memoryCap: cap });
  const partial = Buffer.from('GET /' + 'a'.repeat(3000) + ' HTTP/1.1\r\nHost: flood\r\nX-Pad: ' + 'p'.repeat(3000)); // no end of headers
  let maxUsed = 0;
  const N = 20_000;
  for (let i = 0; i < N; i++) {
    p.data({ flow: flow(i), dir: 'to_server', offset: 0, data: partial, gapBefore: false, timeMs: i });
    maxUsed = Math.max(maxUsed, p.budget.used);
  }
  const c = p.counters();
  // Held bytes include buffer slack (accumulators grow in powers of two): allow one flow's worth over.
  assert.ok(maxUsed <= cap + 64 * 1024, `used ${maxUsed} > cap ${cap}`);
  assert.ok(c.flows_evicted > N * 0.8, `evicted ${c.flows_evicted}`);
  assert.equal(ends.length, c.flows_evicted);
  assert.ok(ends.every((e) => e.kind === 'flow-end' && e.reason === 'evicted'));
  assert.ok(c.flows_active < 1000, `active ${c.flows_active}`);
  // The flows that stayed are the most recent ones, and they still work.
  p.data({ flow: flow(N - 1), dir: 'to_server', offset: partial.length, data: Buffer.from('\r\n\r\n'), gapBefore: false, timeMs: N });
  p.flush();
});

test('a flood of flows beyond maxFlows evicts the least recently active', () => {
  const p = new StreamPipeline(() => {}, { maxFlows: 1000 });
  for (let i = 0; i < 50_000; i++) p.data({ flow: flow(i), dir: 'to_server', offset: 0, data: Buffer.from('GE'), gapBefore: false, timeMs: i });
  const c = p.counters();
  assert.ok(c.flows_active <= 1000, `active ${c.flows_active}`);
  assert.ok(c.flows_evicted >= 49_000);
});

test('queued out-of-order segments of many connections are charged to the budget and bounded', () => {
  const cap = 4 << 20;
  const pp = new PcapPipeline(() => {}, { memoryCap: cap, reassembly: { maxQueuedBytes: 1 << 20 } });
  let maxUsed = 0;
  const payload = Buffer.alloc(1400, 0x41);
  for (let conn = 0; conn < 2000; conn++) {
    const sport = 10000 + conn;
    const spec = (seq: number, flags: number, data?: Buffer) => ({ src: '10.1.0.1', dst: '10.1.0.2', sport, dport: 80, seq, ack: 1, flags, payload: data });
    const pkts = [spec(100, 0x02), spec(101, 0x18, Buffer.from('GET / HTTP/1.1\r\n'))];
    // A hole right after, then 8 segments that must be queued.
    for (let k = 1; k <= 8; k++) pkts.push(spec(117 + 1400 * k, 0x18, payload));
    for (const s of pkts) {
      const d = decodeFrame(LINKTYPE.RAW, tcpIpPacket(s));
      assert.ok(d.ok);
      pp.reassembler.packet(d.pkt, conn);
      maxUsed = Math.max(maxUsed, pp.pipeline.budget.used);
    }
  }
  const c = pp.counters();
  assert.ok(maxUsed <= cap + 64 * 1024, `used ${maxUsed}`);
  assert.ok(c.flows_evicted > 1000, `evicted ${c.flows_evicted}`);
  assert.ok(c.tcp_queued_bytes <= cap, `queued ${c.tcp_queued_bytes}`);
  pp.finish();
  assert.equal(pp.pipeline.budget.used, 0, 'everything returned at the end');
  assert.equal(pp.counters().tcp_queued_bytes, 0);
});

test('live: a flood of sockets is bounded by the flow table and the budget', () => {
  let ends = 0;
  const live = new LivePipeline((e) => e.kind === 'flow-end' && ends++, { memoryCap: 1 << 20, flows: { maxFlows: 5000 } });
  const flags = { truncated: false, noPayload: false, peek: false, readFault: false, tlsCiphertext: false };
  const payload = Buffer.from('POST /x HTTP/1.1\r\nContent-Length: 100000\r\n\r\n' + 'b'.repeat(1000));
  for (let i = 0; i < 30_000; i++) {
    const ev: CaptureEvent = {
      version: 1, type: 'send', tsNs: BigInt(i), timeMs: i, pid: 1, tid: 1, uid: 0, comm: 'flood', cgroupId: 1n, netnsIno: 1,
      socketCookie: BigInt(i + 1), family: 4, localAddr: '10.0.0.1', localPort: 20000 + (i % 40000), remoteAddr: '10.0.0.2', remotePort: 80,
      role: 'client', len: payload.length, captured: payload.length, flags, payload,
    };
    live.push(ev);
  }
  const c = live.counters();
  assert.ok(live.table.size <= 5000, `table ${live.table.size}`);
  assert.ok(c.memory_peak_bytes <= (1 << 20) + 64 * 1024, `peak ${c.memory_peak_bytes}`);
  assert.ok(c.flows_evicted + c.live_flows_evicted >= 25_000);
  live.flush();
  assert.equal(ends, 30_000, 'every flow ended exactly once');
});
