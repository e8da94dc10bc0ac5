// Who the TLS probes touch: HTTPS off (no uprobes, no plaintext), per-pid probes leave other
// processes unprobed, per-file probes only count non-targets as filtered, a new process matching
// a comm filter is held at exec and seen from its first SSL call, per-pid probes go when the
// process exits, and `openssl s_server -www` (BIO_f_ssl) is a blind spot while its client is seen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CaptureEvent } from '../src/capture';
import { Sensor } from '../src/capture';
import { Capture, Netns, collectExit, describe, sleep, tmpDir, waitForLine } from './capture-helpers';
import { RESPONSE_BODY, describeTls, isTls, makeCert, plaintext, startPyHttps, type Cert } from './tls-helpers';

let ns: Netns;
let cert: Cert;
before(() => {
  ns = new Netns();
  cert = makeCert();
});
after(() => ns?.remove());

function curlArgs(port: number, p: string): string[] {
  return ['-s', '--http1.1', '--cacert', cert.cert, '-A', 'proctap-test', `https://127.0.0.1:${port}${p}`];
}

test('HTTPS capture off: no TLS programs, no uprobes, no plaintext events', async () => {
  const srv = await startPyHttps(ns, cert);
  const cap = new Capture(ns, { https: false });
  try {
    assert.equal(cap.sensor.tls, undefined);
    assert.ok(!cap.sensor.programs().some((p) => p.name.startsWith('pt_tls_')), 'TLS programs not loaded');
    const r = await ns.run('curl', curlArgs(srv.port, '/off'));
    assert.equal(r.code, 0, r.stderr);
    await cap.waitFor((evs) => evs.some((e) => e.pid === r.pid && e.type === 'recv'), 5000, 'curl ciphertext recv');
    await sleep(200);
    assert.equal(cap.events.filter(isTls).length, 0);
    // The TCP events are there (ciphertext), unmarked: nothing claims their plaintext.
    const tcp = cap.events.filter((e) => e.pid === r.pid && (e.type === 'send' || e.type === 'recv'));
    assert.ok(tcp.length > 0 && tcp.every((e) => !e.flags.tlsCiphertext));
    assert.ok(!tcp.some((e) => e.payload.includes('/off')), 'no plaintext in the TCP payloads');
    const c = cap.sensor.counters();
    assert.equal(c.tlsEvents, 0);
    assert.equal(c.tls, undefined);
  } finally {
    await cap.sensor.close();
    srv.child.kill('SIGKILL');
  }
});

test('per-pid probes: a non-target process using the same libssl is not probed at all', async () => {
  const srv = await startPyHttps(ns, cert);
  // Target: the server's pid only (pid mode). curl is not a target.
  const sensor = new Sensor({ filter: { include: { pids: [srv.child.pid!] } } });
  const events: CaptureEvent[] = [];
  sensor.onEvents((evs) => events.push(...evs));
  try {
    assert.equal(sensor.tls?.mode, 'pid');
    // The server imported ssl before it printed LISTEN: its libssl is found in its maps.
    const att = sensor.tls!.list();
    assert.ok(att.length >= 1 && att.every((a) => a.scope === srv.child.pid), JSON.stringify(att));
    const r = await ns.run('curl', curlArgs(srv.port, '/nontarget'));
    assert.equal(r.code, 0, r.stderr);
    const end = Date.now() + 5000;
    while (!events.some((e) => e.type === 'tls_write' && e.pid === srv.child.pid) && Date.now() < end) await sleep(25);
    const srvTls = events.filter((e) => isTls(e) && e.pid === srv.child.pid);
    assert.ok(srvTls.some((e) => e.type === 'tls_read' && e.payload.includes('GET /nontarget ')), describeTls(events));
    assert.ok(!events.some((e) => e.pid === r.pid), 'nothing from the non-target');
    const c = sensor.counters().tls!;
    // Every uprobe hit was the target's: the non-target's SSL calls never trapped.
    assert.equal(c.filtered, 0, JSON.stringify(c));
    assert.ok(c.calls >= 2, JSON.stringify(c));
    assert.equal(c.events, srvTls.length, 'every plaintext event is the target\'s');
  } finally {
    await sensor.close();
    srv.child.kill('SIGKILL');
  }
});

test('per-file probes: a non-target in another netns traps but is filtered in the kernel', async () => {
  const other = new Netns();
  const srv2 = await startPyHttps(other, cert);
  const cap = new Capture(ns); // targets: our first netns only
  try {
    assert.equal(cap.sensor.tls?.mode, 'file');
    const r = await other.run('curl', curlArgs(srv2.port, '/elsewhere'));
    assert.equal(r.code, 0, r.stderr);
    await sleep(300);
    assert.ok(!cap.events.some((e) => e.pid === r.pid || e.pid === srv2.child.pid), describe(cap.events));
    const c = cap.sensor.counters().tls!;
    assert.ok(c.filtered >= 2, `non-target SSL calls counted as filtered: ${JSON.stringify(c)}`);
    assert.equal(c.events, 0);
  } finally {
    await cap.sensor.close();
    srv2.child.kill('SIGKILL');
    other.remove();
  }
});

/** A uniquely named symlink to a binary: the kernel's comm is the link's name. */
function uniqueComm(target: string, prefix: string): { bin: string; comm: string } {
  const dir = tmpDir();
  const comm = `${prefix}${crypto.randomBytes(3).toString('hex')}`.slice(0, 15);
  const bin = path.join(dir, comm);
  fs.symlinkSync(target, bin);
  return { bin, comm };
}

test('comm filter (pid mode): a curl started after the sensor is held at exec and seen from its first SSL call; probes go at exit', async () => {
  const srv = await startPyHttps(ns, cert);
  const { bin, comm } = uniqueComm('/usr/bin/curl', 'ptcurl');
  const sensor = new Sensor({ filter: { include: { comms: [comm] } } });
  const events: CaptureEvent[] = [];
  sensor.onEvents((evs) => events.push(...evs));
  try {
    assert.equal(sensor.tls?.mode, 'pid');
    assert.equal(sensor.tls!.list().length, 0, 'no target yet, nothing attached');
    const r = await ns.run(bin, curlArgs(srv.port, '/held?first=1'));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${RESPONSE_BODY}/held?first=1\n`);
    const end = Date.now() + 5000;
    while (!events.some((e) => e.pid === r.pid && e.type === 'tls_read') && Date.now() < end) await sleep(25);
    const writes = events.filter((e) => e.pid === r.pid && e.type === 'tls_write');
    assert.ok(writes.length >= 1, describeTls(events));
    // The first SSL_write of the process is the request, complete.
    assert.match(writes[0].payload.toString('latin1'), /^GET \/held\?first=1 HTTP\/1.1\r\n/);
    assert.ok(plaintext(events, (e) => e.pid === r.pid && e.type === 'tls_write').endsWith('\r\n\r\n'));
    assert.ok(plaintext(events, (e) => e.pid === r.pid && e.type === 'tls_read').endsWith(`${RESPONSE_BODY}/held?first=1\n`));
    assert.ok(writes.every((e) => e.tlsLink === 'exact' && e.comm === comm));
    const c = sensor.counters().tls!;
    assert.ok(c.held >= 1, `held at exec: ${JSON.stringify(c)}`);
    assert.ok(!events.some((e) => e.pid === srv.child.pid), 'the server is not a target');
    // The process is gone: its per-pid probes are detached (exit notification).
    const end2 = Date.now() + 3000;
    while (sensor.tls!.list().some((a) => a.scope === r.pid) && Date.now() < end2) await sleep(25);
    assert.deepEqual(sensor.tls!.list().filter((a) => a.scope === r.pid), []);
    assert.equal(sensor.counters().tls!.links, 0);
  } finally {
    await sensor.close();
    srv.child.kill('SIGKILL');
  }
});

test('never attached twice: one attachment per (scope, file) across discovery paths', async () => {
  const srv = await startPyHttps(ns, cert);
  const { bin, comm } = uniqueComm('/usr/bin/python3', 'ptpy');
  // The python client maps libssl.so.3 (found in its maps) and is also attached at exec to the
  // system libssl as its root sees it: the same file.
  const sensor = new Sensor({ filter: { include: { comms: [comm] } } });
  try {
    const child = ns.spawn(bin, ['-c', `import ssl, time, sys; print("READY", flush=True); time.sleep(1.0)`]);
    await waitForLine(child, /READY/);
    await sleep(400); // the rescans after exec have run
    const att = sensor.tls!.list().filter((a) => a.scope === child.pid);
    assert.equal(att.length, 1, JSON.stringify(att));
    assert.equal(att[0].path, '/usr/lib/x86_64-linux-gnu/libssl.so.3');
    const keys = sensor.tls!.list().map((a) => `${a.scope}|${a.path}`);
    assert.equal(new Set(keys).size, keys.length);
    await collectExit(child, 5000);
  } finally {
    await sensor.close();
    srv.child.kill('SIGKILL');
  }
});

test('openssl s_server -www (BIO_f_ssl) is a blind spot; the curl client side is still seen', async () => {
  const child = ns.spawn('openssl', ['s_server', '-www', '-accept', '127.0.0.1:0', '-cert', cert.cert, '-key', cert.key, '-naccept', '1']);
  // s_server prints "ACCEPT 127.0.0.1:PORT" once it listens.
  const m = await waitForLine(child, /ACCEPT\s+\S*:(\d+)/);
  const port = Number(m[1]);
  const cap = new Capture(ns);
  try {
    const r = await ns.run('curl', curlArgs(port, '/blind'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /s_server -www/);
    const client = (e: CaptureEvent) => e.pid === r.pid;
    await cap.waitFor((evs) => evs.some((e) => client(e) && e.type === 'tls_read' && e.payload.includes('s_server')), 5000, 'curl reads');
    assert.match(plaintext(cap.events, (e) => client(e) && e.type === 'tls_write'), /^GET \/blind HTTP\/1.1\r\n/);
    // The server's plaintext goes through BIO_f_ssl (ssl_read_internal/ssl_write_internal), not the
    // exported SSL_read/SSL_write: no plaintext events from it.
    assert.equal(cap.events.filter((e) => isTls(e) && e.pid === child.pid).length, 0, describeTls(cap.events));
    assert.ok(cap.events.some((e) => e.pid === child.pid && e.type === 'recv'), 'its ciphertext is still captured');
  } finally {
    await cap.sensor.close();
    child.kill('SIGKILL');
  }
});

test('comm filter (pid mode): a node https client started after the sensor is held, probed on its own binary, every request linked', async () => {
  const { startNodeHttps, nodeClientScript } = await import('./tls-helpers');
  const srv = await startNodeHttps(ns, cert);
  const { bin, comm } = uniqueComm('/usr/bin/node', 'ptnode');
  const sensor = new Sensor({ filter: { include: { comms: [comm] } } });
  const events: CaptureEvent[] = [];
  sensor.onEvents((evs) => events.push(...evs));
  const N = 5;
  try {
    const r = await ns.run(bin, [nodeClientScript(cert), String(srv.port), String(N), cert.cert], 30_000);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const end = Date.now() + 5000;
    while (events.filter((e) => e.pid === r.pid && e.type === 'tls_read').length < N && Date.now() < end) await sleep(25);
    const writes = events.filter((e) => e.pid === r.pid && e.type === 'tls_write');
    for (let i = 0; i < N; i++) {
      const w = writes.find((e) => e.payload.includes(`POST /req/${i} `));
      assert.ok(w, `request ${i} missing\n${describeTls(events)}`);
      assert.equal(w.tlsLink, 'inferred');
      assert.equal(w.tlsLibrary, '/usr/bin/node');
      const port = Number(new RegExp(`^REQ ${i} (\\d+) 200`, 'm').exec(r.stdout)![1]);
      assert.equal(w.localPort, port, `request ${i} on its own connection`);
      assert.equal(w.remotePort, srv.port);
    }
    assert.ok(sensor.counters().tls!.held >= 1);
    assert.ok(!events.some((e) => e.pid === srv.child.pid), 'the server is not a target');
  } finally {
    await sensor.close();
    srv.child.kill('SIGKILL');
  }
});

test('attach failures are counted per library path and the sensor keeps running', async () => {
  const dir = tmpDir();
  const notTls = path.join(dir, 'libnotssl.so');
  fs.copyFileSync('/bin/true', notTls);
  const missing = path.join(dir, 'missing', 'libssl.so.3');
  const cap = new Capture(ns, { tls: { libraries: [notTls, missing] } });
  try {
    const c = cap.sensor.counters().tls!;
    assert.equal(c.attachFailures[notTls], 1, JSON.stringify(c.attachFailures));
    assert.equal(c.attachFailures[missing], 1, JSON.stringify(c.attachFailures));
    assert.ok(cap.sensor.tls!.errors.some((e) => e.includes(notTls) && /SSL_write/.test(e)), cap.sensor.tls!.errors.join('\n'));
    // The good libraries are attached and capture works.
    const srv = await startPyHttps(ns, cert);
    try {
      const r = await ns.run('curl', curlArgs(srv.port, '/still-works'));
      assert.equal(r.code, 0, r.stderr);
      await cap.waitFor((evs) => evs.some((e) => e.pid === r.pid && e.type === 'tls_write' && e.payload.includes('/still-works')), 5000, 'tls_write');
    } finally {
      srv.child.kill('SIGKILL');
    }
  } finally {
    await cap.sensor.close();
  }
});

test("netns filter with attach: 'pid': new processes in the namespace are held and probed per pid, others never trap", async () => {
  const srv = await startPyHttps(ns, cert);
  const other = new Netns();
  const srv2 = await startPyHttps(other, cert);
  const cap = new Capture(ns, { tls: { attach: 'pid' } });
  try {
    assert.equal(cap.sensor.tls?.mode, 'pid');
    // The server already running in the namespace got per-pid probes at start.
    assert.ok(cap.sensor.tls!.list().some((a) => a.scope === srv.child.pid), JSON.stringify(cap.sensor.tls!.list()));
    const r = await ns.run('curl', curlArgs(srv.port, '/pid-mode'));
    assert.equal(r.code, 0, r.stderr);
    await cap.waitFor((evs) => evs.some((e) => e.pid === r.pid && e.type === 'tls_read' && e.payload.includes('/pid-mode')), 5000, 'curl tls_read');
    assert.match(plaintext(cap.events, (e) => e.pid === r.pid && e.type === 'tls_write'), /^GET \/pid-mode HTTP\/1.1\r\n/);
    assert.ok(plaintext(cap.events, (e) => e.pid === srv.child.pid && e.type === 'tls_read').startsWith('GET /pid-mode '));
    // A process in another namespace runs the same libssl and never hits a probe.
    const before = cap.sensor.counters().tls!;
    const r2 = await other.run('curl', curlArgs(srv2.port, '/elsewhere'));
    assert.equal(r2.code, 0, r2.stderr);
    await sleep(200);
    const after = cap.sensor.counters().tls!;
    assert.equal(after.filtered, 0, JSON.stringify(after));
    assert.equal(after.calls, before.calls, 'no SSL call of the other namespace reached a probe');
    assert.ok(after.held >= 1);
  } finally {
    await cap.sensor.close();
    srv.child.kill('SIGKILL');
    srv2.child.kill('SIGKILL');
    other.remove();
  }
});

test('cgroup filter (per-file probes): a curl started later in a child of the cgroup is seen from its first SSL call; one outside is not', async (t) => {
  const { cgroup2Mount } = await import('../src/capture');
  const { spawn } = await import('node:child_process');
  const mount = cgroup2Mount();
  if (!mount) {
    t.skip('no cgroup v2 hierarchy mounted on this host');
    return;
  }
  const dir = path.join(mount, `proctap-tls-${crypto.randomBytes(4).toString('hex')}`);
  const child = path.join(dir, 'workload');
  fs.mkdirSync(child, { recursive: true });
  const srv = await startPyHttps(ns, cert);
  const sensor = new Sensor({ filter: { include: { cgroups: [dir] } } });
  const events: CaptureEvent[] = [];
  sensor.onEvents((evs) => events.push(...evs));
  try {
    assert.equal(sensor.tls?.mode, 'file');
    // sh moves itself into the child cgroup, then becomes curl inside the namespace (same pid).
    const c = spawn('sh', ['-c', `echo $$ > ${child}/cgroup.procs && exec ip netns exec ${ns.name} curl ${curlArgs(srv.port, '/in-cgroup').join(' ')}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const r = await collectExit(c, 15_000);
    assert.equal(r.code, 0, r.stderr);
    const outside = await ns.run('curl', curlArgs(srv.port, '/outside'));
    assert.equal(outside.code, 0, outside.stderr);
    const end = Date.now() + 5000;
    while (!events.some((e) => e.pid === r.pid && e.type === 'tls_read') && Date.now() < end) await sleep(25);
    const w = events.filter((e) => e.pid === r.pid && e.type === 'tls_write');
    assert.ok(w.length >= 1, describeTls(events));
    assert.match(w[0].payload.toString('latin1'), /^GET \/in-cgroup HTTP\/1.1\r\n/);
    assert.equal(w[0].cgroupId, fs.statSync(child, { bigint: true }).ino);
    assert.ok(!events.some((e) => e.pid === outside.pid || e.pid === srv.child.pid), 'only the cgroup is captured');
    assert.ok(sensor.counters().tls!.filtered > 0, 'the server and the other curl trapped and were filtered');
  } finally {
    await sensor.close();
    srv.child.kill('SIGKILL');
    await sleep(50);
    fs.rmdirSync(child);
    fs.rmdirSync(dir);
  }
});

test('openssl s_server in its default mode (SSL_read on the connection) is seen: the blind spot is BIO_f_ssl only', async () => {
  const child = ns.spawn('openssl', ['s_server', '-accept', '127.0.0.1:0', '-cert', cert.cert, '-key', cert.key, '-naccept', '1'], { stdin: 'pipe' });
  const m = await waitForLine(child, /ACCEPT\s+\S*:(\d+)/);
  const cap = new Capture(ns);
  try {
    // s_server answers nothing in this mode: curl gives up after a second, having sent its request.
    const r = await ns.run('curl', ['-s', '--http1.1', '--max-time', '1', '--cacert', cert.cert, `https://127.0.0.1:${m[1]}/default-mode`]);
    assert.equal(r.code, 28, 'curl timed out waiting for a response');
    await cap.waitFor((evs) => evs.some((e) => e.pid === child.pid && e.type === 'tls_read'), 5000, 's_server tls_read');
    const req = plaintext(cap.events, (e) => e.pid === child.pid && e.type === 'tls_read');
    assert.match(req, /^GET \/default-mode HTTP\/1.1\r\n/);
    assert.equal(req, plaintext(cap.events, (e) => e.pid === r.pid && e.type === 'tls_write'));
  } finally {
    await cap.sensor.close();
    child.kill('SIGKILL');
  }
});
