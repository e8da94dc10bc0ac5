// What the agent core costs per transaction, apart from the rule engines: admission, scoring,
// incident building (redaction, caps), repeat counting, store, EVE and one gRPC subscriber.
// Engines are replaced by fake detectors (constant answers) so only the agent's own work is timed.
// Run: node --import tsx bench/agent-overhead.ts
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Agent } from '../src/agent/agent';
import { AgentClient } from '../src/agent/client';
import { defaultConfig } from '../src/config/defaults';
import { FakeDetector, crs, et, tx, flow } from '../test/agent-fixtures';

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proctap-bench-'));
  const crsDet = new FakeDetector('crs', { request: (t) => (t.request?.uri.includes('attack') ? [crs(942100, 5), crs(942190, 5)] : []) });
  const etDet = new FakeDetector('et', { request: (t) => (t.request?.uri.includes('attack') ? [et(2011768, 2)] : []) });
  const agent = new Agent({
    config: defaultConfig(),
    stateDir: path.join(dir, 'state'),
    detectors: [crsDet, etDet],
    grpcListen: '127.0.0.1:0',
    metricsListen: null,
    evePath: path.join(dir, 'eve.json'),
    defaultMetrics: false,
  });
  const { grpc } = await agent.start();
  const client = new AgentClient(grpc);
  await client.waitReady();
  let received = 0;
  const sub = client.subscribe({ filter: {} }, () => received++);
  while (agent.store.subscribers < 2) await new Promise((r) => setTimeout(r, 10));

  const headers: [string, string][] = [
    ['Host', 'shop.example'],
    ['User-Agent', 'Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0'],
    ['Cookie', 'sid=0123456789abcdef; theme=dark'],
    ['Content-Type', 'application/x-www-form-urlencoded'],
  ];
  const body = 'user=alice&password=hunter2&item=42&qty=1&comment=' + 'x'.repeat(300);
  const flows = Array.from({ length: 256 }, (_, i) => flow({ id: `ns:${i}`, client: { addr: `10.0.${i >> 8}.${i & 255}`, port: 40000 + i } }));

  // yieldEvery: give the event loop a turn every N transactions, as capture batches do, so gRPC can drain.
  async function run(label: string, n: number, attackEvery: number, uniqueRemotes: boolean, yieldEvery = 0): Promise<void> {
    const txs = Array.from({ length: 1000 }, (_, i) =>
      tx({ method: 'POST', uri: i % attackEvery === 0 ? `/cart?id=attack${i}` : `/cart?id=${i}`, headers, body, flow: flows[i % flows.length] }),
    );
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      const t = txs[i % txs.length];
      if (uniqueRemotes) t.flow = flow({ id: `u:${i}`, client: { addr: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 1 } });
      agent.handleTransaction(t);
      if (yieldEvery && i % yieldEvery === yieldEvery - 1) await new Promise((r) => setTimeout(r, 1));
    }
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(`${label}: ${n} transactions in ${s.toFixed(3)} s = ${Math.round(n / s).toLocaleString('en-US')} tx/s (${((s / n) * 1e6).toFixed(2)} us/tx)`);
  }

  await run('benign only (no matches)', 200_000, Number.MAX_SAFE_INTEGER, false);
  await run('1% attacks, repeats counted into existing incidents', 200_000, 100, false);
  const before = agent.store.size;
  const received0 = received;
  await run('every transaction a new incident (redaction, EVE line, gRPC event), 1 ms pause every 20', 20_000, 1, true, 20);
  const deadline = Date.now() + 10_000;
  while (received - received0 < 20_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  console.log(`new incidents: ${agent.store.size - before} held (keep=${agent.config.current.incidents.keep}), gRPC subscriber received ${received} events, EVE lines ${agent.status().counters.eve_lines}`);
  const drops = /proctap_drops_total\{stage="grpc_subscriber"\} (\d+)/.exec(await agent.metrics.text())?.[1] ?? '0';
  console.log(`events dropped for the subscriber while its stream was over the queue limit (counted, drops_total{stage="grpc_subscriber"}): ${drops}`);
  console.log(`agent RSS after run: ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`);
  sub.cancel();
  client.close();
  await agent.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
