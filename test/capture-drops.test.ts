// An overloaded sensor counts what it dropped and keeps running: a small ring and a JavaScript
// consumer that stalls lose events, and every lost event is counted at the stage that lost it
// (kernel ring or native queue), so sent = received + dropped holds exactly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Sensor, type CaptureEvent } from '../src/capture';
import { Netns, buildCFlood, sleep, startPyServer } from './capture-helpers';

// A process name unique to this run, so another run of this test is never counted here.
const FLOOD = `ptf-${crypto.randomBytes(3).toString('hex')}`;

let ns: Netns;
let bin: string;
before(() => {
  ns = new Netns();
  bin = buildCFlood(FLOOD);
});
after(() => {
  ns?.remove();
  if (bin) fs.rmSync(path.dirname(bin), { recursive: true, force: true });
});

test('slow consumer, small ring: drops are counted and sent = received + dropped', async () => {
  const srv = await startPyServer(ns, '127.0.0.1', 'sink');
  const count = 20_000;
  const size = 64;
  const sensor = new Sensor({
    filter: { include: { comms: [FLOOD] } },
    ringBytes: 64 * 1024,
    batchBytes: 16 * 1024,
    maxQueuedBatches: 2,
    processInfo: false,
  });
  const evs: CaptureEvent[] = [];
  let stalls = 0;
  sensor.onEvents((b) => {
    for (const e of b) evs.push({ ...e, payload: Buffer.from(e.payload) });
    if (stalls++ < 4) {
      const until = Date.now() + 250; // a consumer that stalls
      while (Date.now() < until);
    }
  });
  try {
    const r = await ns.run(bin, [String(srv.port), String(count), String(size)], 30_000);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(Number(r.stdout.trim()), count);
    // connect + established + close of the client's connection + one event per write.
    const expected = count + 3;
    const end = Date.now() + 20_000; // the close comes once the sink has read everything
    while (Date.now() < end) {
      const c = sensor.counters();
      if (c.events + c.ringDrops >= expected && c.queuedBatches === 0) break;
      await sleep(50);
    }
    const c = await sensor.close();
    const sends = evs.filter((e) => e.type === 'send');
    assert.ok(c.ringDrops > 0 || c.queueDropEvents > 0, `no drops: ${JSON.stringify(c)}`);
    const byType = JSON.stringify(evs.reduce<Record<string, number>>((a, e) => ((a[e.type] = (a[e.type] ?? 0) + 1), a), {}));
    assert.equal(c.events + c.ringDrops, expected, `kernel: ${JSON.stringify(c)}; received by type ${byType}`);
    assert.equal(evs.length + c.queueDropEvents, c.events, 'native stage: delivered + dropped = written to the ring');
    assert.equal(evs.length + c.ringDrops + c.queueDropEvents, expected, 'sent = received + dropped');
    assert.equal(c.drops, c.ringDrops + c.queueDropEvents);
    assert.ok(sends.length < count && sends.length > 0, `received ${sends.length} sends`);
    // What did arrive is intact: each record is the pattern of some n.
    for (const e of sends.slice(0, 500)) {
      assert.equal(e.payload.length, size);
      const n = e.payload[0];
      for (let i = 0; i < size; i++) assert.equal(e.payload[i], (n + i) & 0xff);
    }
    assert.ok(c.ringDropBytes > 0 || c.ringDrops === 0);
    console.log(
      `drops: sent ${expected}, received ${evs.length}, ring drops ${c.ringDrops}, queue drops ${c.queueDropEvents}`,
    );
  } finally {
    await sensor.close();
    srv.child.kill();
  }
});
