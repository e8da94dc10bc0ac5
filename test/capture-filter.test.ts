// The kernel-side filter: include mode captures only what matches, exclude entries are never
// captured and are counted as filtered, cgroups and run-time updates work. Every sensor here is
// limited to processes this test started (its own netns, its own cgroup, its own binaries).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import { Sensor, cgroup2Mount, type CaptureEvent } from '../src/capture';
import { Netns, buildCClient, collectExit, describe, sleep, startPyServer } from './capture-helpers';

// Process names unique to this run: tests of another run (or anyone's process) can never match.
const RUN = crypto.randomBytes(3).toString('hex');
const INCL = `pti-${RUN}`;
const EXCL = `pte-${RUN}`;

let ns: Netns;
let clientDir: string;
let inclBin: string;
let exclBin: string;
before(() => {
  ns = new Netns();
  inclBin = buildCClient(INCL);
  clientDir = path.dirname(inclBin);
  exclBin = path.join(clientDir, EXCL);
  fs.copyFileSync(inclBin, exclBin);
  fs.chmodSync(exclBin, 0o755);
});
after(() => {
  ns?.remove();
  if (clientDir) fs.rmSync(clientDir, { recursive: true, force: true });
});

function collect(sensor: Sensor): CaptureEvent[] {
  const evs: CaptureEvent[] = [];
  sensor.onEvents((b) => evs.push(...b));
  return evs;
}

async function runClients(port: number, bins: string[]): Promise<number[]> {
  const pids: number[] = [];
  for (const b of bins) {
    const r = await ns.run(b, ['127.0.0.1', String(port)]);
    assert.equal(r.code, 0, r.stderr);
    pids.push(r.pid);
  }
  return pids;
}

test('include by comm: only the included process is captured, everything else counts as filtered', async () => {
  const srv = await startPyServer(ns, '127.0.0.1', 'echo');
  const sensor = new Sensor({ filter: { include: { comms: [INCL] } } });
  const evs = collect(sensor);
  try {
    const [inclPid, exclPid] = await runClients(srv.port, [inclBin, exclBin]);
    await sleep(150);
    const c = await sensor.close();
    assert.ok(evs.filter((e) => e.pid === inclPid && e.type === 'send').length === 5, describe(evs));
    assert.deepEqual([...new Set(evs.map((e) => e.comm))], [INCL], describe(evs));
    assert.ok(!evs.some((e) => e.pid === exclPid || e.pid === srv.child.pid));
    // The excluded client's 10 socket ops and the server's 10 at least were filtered in the kernel.
    assert.ok(c.filtered >= 20, `filtered ${c.filtered}`);
  } finally {
    await sensor.close();
    srv.child.kill();
  }
});

test('include by pid: only the server process', async () => {
  const srv = await startPyServer(ns, '127.0.0.1', 'echo');
  const sensor = new Sensor({ filter: { include: { pids: [srv.child.pid!] } } });
  const evs = collect(sensor);
  try {
    await runClients(srv.port, [inclBin]);
    await sleep(150);
    await sensor.close();
    assert.ok(evs.some((e) => e.type === 'recv'), describe(evs));
    assert.ok(evs.every((e) => e.pid === srv.child.pid), describe(evs));
    assert.ok(evs.filter((e) => e.type === 'send').every((e) => e.role === 'server'));
  } finally {
    await sensor.close();
    srv.child.kill();
  }
});

test('exclude by comm and pid inside the namespace: none of the excluded, filtered rises', async () => {
  const srv = await startPyServer(ns, '127.0.0.1', 'echo');
  const sensor = new Sensor({
    filter: { include: { netns: [ns.inode] }, exclude: { comms: [EXCL], pids: [srv.child.pid!] } },
  });
  const evs = collect(sensor);
  try {
    const before = sensor.counters().filtered;
    const [inclPid, exclPid] = await runClients(srv.port, [inclBin, exclBin]);
    await sleep(150);
    const c = await sensor.close();
    assert.equal(evs.filter((e) => e.pid === inclPid && e.type === 'send').length, 5, describe(evs));
    assert.ok(!evs.some((e) => e.pid === exclPid || e.comm === EXCL), describe(evs));
    assert.ok(!evs.some((e) => e.pid === srv.child.pid), 'server pid excluded');
    // 10 ops of the excluded client + 20 of the server
    assert.ok(c.filtered - before >= 30, `filtered rose by ${c.filtered - before}`);
  } finally {
    await sensor.close();
    srv.child.kill();
  }
});

test('pure exclude mode: the excluded comm is never seen and each of its operations counts as filtered', async () => {
  // Exclude mode with nothing included sees the whole host: capture no payload at all (maxBytes 0)
  // and keep only the events of this test's namespace.
  const srv = await startPyServer(ns, '127.0.0.1', 'echo');
  const sensor = new Sensor({ maxBytes: 0, processInfo: false, filter: { exclude: { comms: [EXCL] } } });
  const evs: CaptureEvent[] = [];
  let excludedSeen = 0;
  sensor.onEvents((b) => {
    for (const e of b) {
      if (e.comm === EXCL) excludedSeen++;
      if (e.netnsIno === ns.inode) evs.push(e);
    }
  });
  try {
    await sleep(100);
    const before = sensor.counters().filtered;
    const [exclPid] = await runClients(srv.port, [exclBin]);
    await sleep(300);
    const after = sensor.counters().filtered;
    const [inclPid] = await runClients(srv.port, [inclBin]);
    await sleep(150);
    await sensor.close();
    assert.equal(excludedSeen, 0);
    assert.ok(!evs.some((e) => e.pid === exclPid));
    // 10 socket operations + connect/established/close of its connection, nothing else.
    assert.ok(after - before >= 10 && after - before <= 13, `filtered rose by ${after - before}`);
    const inclSends = evs.filter((e) => e.pid === inclPid && e.type === 'send');
    assert.equal(inclSends.length, 5);
    assert.ok(inclSends.every((e) => e.captured === 0 && e.flags.noPayload && e.len > 0));
    assert.ok(evs.some((e) => e.pid === srv.child.pid && e.type === 'recv'), 'the server is not excluded');
  } finally {
    await sensor.close();
    srv.child.kill();
  }
});

// Runs the client inside cgroup `dir`: sh moves itself there, then becomes the client in the
// namespace (same pid); it starts outside the namespace because `ip netns exec` remounts /sys.
async function runInCgroup(dir: string, port: number) {
  const child = spawn('sh', ['-c', `echo $$ > ${dir}/cgroup.procs && exec ip netns exec ${ns.name} ${inclBin} 127.0.0.1 ${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const r = await collectExit(child, 10_000);
  assert.equal(r.code, 0, r.stderr);
  return r.pid;
}

for (const where of ['the cgroup itself', 'a child cgroup'] as const) {
  test(`include by cgroup v2 directory: a process in ${where} is captured`, async (t) => {
    const mount = cgroup2Mount();
    if (!mount) {
      t.skip('no cgroup v2 hierarchy mounted on this host');
      return;
    }
    const dir = path.join(mount, `proctap-test-${crypto.randomBytes(4).toString('hex')}`);
    const child = path.join(dir, 'workload');
    fs.mkdirSync(child, { recursive: true });
    const runDir = where === 'a child cgroup' ? child : dir;
    const srv = await startPyServer(ns, '127.0.0.1', 'echo');
    const sensor = new Sensor({ filter: { include: { cgroups: [dir] } } });
    const evs = collect(sensor);
    try {
      const pid = await runInCgroup(runDir, srv.port);
      const other = await runClients(srv.port, [exclBin]);
      await sleep(150);
      await sensor.close();
      assert.equal(evs.filter((e) => e.pid === pid && e.type === 'send').length, 5, describe(evs));
      assert.ok(evs.some((e) => e.pid === pid && e.type === 'established'), 'connection events follow the verdict made at connect()');
      assert.ok(evs.every((e) => e.pid === pid), describe(evs));
      assert.ok(!evs.some((e) => other.includes(e.pid)));
      assert.equal(evs[0].cgroupId, fs.statSync(runDir, { bigint: true }).ino);
    } finally {
      await sensor.close();
      srv.child.kill();
      await sleep(50);
      fs.rmdirSync(child);
      fs.rmdirSync(dir);
    }
  });
}

test('exclude by cgroup covers its subtree', async (t) => {
  const mount = cgroup2Mount();
  if (!mount) {
    t.skip('no cgroup v2 hierarchy mounted on this host');
    return;
  }
  const dir = path.join(mount, `proctap-test-${crypto.randomBytes(4).toString('hex')}`);
  const child = path.join(dir, 'workload');
  fs.mkdirSync(child, { recursive: true });
  const srv = await startPyServer(ns, '127.0.0.1', 'echo');
  const sensor = new Sensor({ filter: { include: { netns: [ns.inode] }, exclude: { cgroups: [dir] } } });
  const evs = collect(sensor);
  try {
    const hidden = await runInCgroup(child, srv.port);
    const [seen] = await runClients(srv.port, [inclBin]);
    await sleep(150);
    await sensor.close();
    assert.ok(!evs.some((e) => e.pid === hidden), describe(evs));
    assert.equal(evs.filter((e) => e.pid === seen && e.type === 'send').length, 5, describe(evs));
  } finally {
    await sensor.close();
    srv.child.kill();
    await sleep(50);
    fs.rmdirSync(child);
    fs.rmdirSync(dir);
  }
});

test('setFilter at run time switches what is captured', async () => {
  const srv = await startPyServer(ns, '127.0.0.1', 'echo');
  const sensor = new Sensor({ filter: { include: { netns: [ns.inode] } } });
  const evs = collect(sensor);
  try {
    const [first] = await runClients(srv.port, [inclBin]);
    sensor.setFilter({ include: { comms: [EXCL] } });
    const [second, third] = await runClients(srv.port, [inclBin, exclBin]);
    await sleep(150);
    await sensor.close();
    assert.equal(evs.filter((e) => e.pid === first && e.type === 'send').length, 5, describe(evs));
    assert.ok(!evs.some((e) => e.pid === second), 'the include-named client after the switch is filtered');
    assert.equal(evs.filter((e) => e.pid === third && e.type === 'send').length, 5);
  } finally {
    await sensor.close();
    srv.child.kill();
  }
});

test('bad filters are reported with what was wrong', () => {
  assert.throws(() => new Sensor({ filter: { include: { netns: ['/nonexistent/netns'] } } }), /netns \/nonexistent\/netns/);
  assert.throws(() => new Sensor({ filter: { include: { pids: [-3] } } }), /pid -3/);
  assert.throws(() => new Sensor({ maxBytes: 1 << 20 }), /maxBytes/);
  assert.throws(() => new Sensor({ ringBytes: 12345 }), /ringBytes/);
  assert.throws(() => new Sensor({ pollMs: 0 }), /pollMs 0/);
});

test("the sensor's own process is never captured, even when included", async () => {
  const sensor = new Sensor({ filter: { include: { pids: [process.pid] } } });
  const evs = collect(sensor);
  const net = await import('node:net');
  const server = net.createServer((c) => c.pipe(c));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    await new Promise<void>((resolve, reject) => {
      const c = net.connect(port, '127.0.0.1', () => c.write('self traffic'));
      c.on('data', () => c.end());
      c.on('close', () => resolve());
      c.on('error', reject);
    });
    await sleep(150);
    const c = await sensor.close();
    assert.deepEqual(evs, []);
    assert.equal(c.events, 0);
  } finally {
    await sensor.close();
    server.close();
  }
});

test('two sensors side by side keep their own filters, rings and counters', async () => {
  const srv = await startPyServer(ns, '127.0.0.1', 'echo');
  const a = new Sensor({ filter: { include: { comms: [INCL] } } });
  const b = new Sensor({ filter: { include: { comms: [EXCL] } } });
  const ea = collect(a);
  const eb = collect(b);
  try {
    const [pa, pb] = await runClients(srv.port, [inclBin, exclBin]);
    await sleep(150);
    const ca = await a.close();
    // b keeps running after a is gone
    const [pb2] = await runClients(srv.port, [exclBin]);
    await sleep(150);
    const cb = await b.close();
    assert.ok(ea.length > 0 && ea.every((e) => e.pid === pa), describe(ea));
    assert.ok(eb.every((e) => e.pid === pb || e.pid === pb2), describe(eb));
    assert.equal(eb.filter((e) => e.pid === pb2 && e.type === 'send').length, 5);
    assert.equal(ca.events, ea.length);
    assert.equal(cb.events, eb.length);
  } finally {
    await a.close();
    await b.close();
    srv.child.kill();
  }
});
