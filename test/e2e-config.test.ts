// Live configuration end to end: the real agent (eBPF, CRS) in a private namespace takes new
// configurations over gRPC; process include/exclude (kernel and user space), per-direction rulesets,
// invalid updates and redaction are checked on real traffic (python server, curl client).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Netns } from './capture-helpers';
import { configYaml, curl, follow, incidents, startAgent, startPyHttp, tmp, waitFor, type AgentProc } from './e2e-helpers';
import type { WireIncident } from '../src/agent/wire';

let ns: Netns;
let agent: AgentProc;
let stream: ReturnType<typeof follow>;
let port: number;
let serverPid: number;
let eve: string;

// Every incident is new (no repeat folding), so each step's own request is what the incident shows.
const BASE = 'incidents: { repeat_window_seconds: 0 }';

before(async () => {
  ns = new Netns();
  const dir = tmp('config');
  eve = path.join(dir, 'eve.json');
  agent = await startAgent(ns, { config: configYaml({ eve, extra: BASE }) });
  stream = follow(agent.client);
  const s = await startPyHttp(ns, dir);
  port = s.port;
  serverPid = s.child.pid!;
});

after(async () => {
  stream?.cancel();
  await agent?.stop();
  ns?.remove();
});

async function setConfig(extra: string): Promise<number> {
  const r = await agent.client.setConfig({ yaml: configYaml({ eve, extra: `${BASE}\n${extra}` }) });
  return Number(r.generation);
}

/** Sends a SQL injection tagged with `step`; waits until the incidents it caused have settled. */
async function attack(step: string, extraCurl: string[] = []): Promise<{ clientPid: number; inbound?: WireIncident; outbound?: WireIncident }> {
  const r = await curl(ns, ['-o', '/dev/null', ...extraCurl, `http://127.0.0.1:${port}/${step}?id=1'%20OR%20'1'='1`]);
  // Capture is asynchronous: a marker request after it, seen by the server, bounds the wait.
  const mine = (i: WireIncident) => i.request?.uri.startsWith(`/${step}?`);
  await waitFor(() => incidents(stream.events).some(mine), `an incident for ${step}`, 4000).catch(() => undefined);
  await new Promise((res) => setTimeout(res, 700));
  const all = incidents(stream.events).filter(mine);
  return {
    clientPid: r.pid,
    inbound: all.find((i) => i.connection?.direction === 'DIRECTION_INBOUND'),
    outbound: all.find((i) => i.connection?.direction === 'DIRECTION_OUTBOUND'),
  };
}

test('default: an attack between two processes of the namespace is seen on both ends', async () => {
  const r = await attack('both');
  assert.equal(r.inbound?.process?.pid, serverPid);
  assert.equal(r.outbound?.process?.pid, r.clientPid);
});

test('processes exclude by name (kernel filter): the excluded server is not analysed, the client still is', async () => {
  const before = (await agent.client.getStatus()).counters['capture.kernel_filtered'];
  await setConfig('processes: { mode: exclude, names: [python3] }');
  const r = await attack('exclude-python');
  assert.equal(r.inbound, undefined, 'no inbound incident from the excluded python3');
  assert.equal(r.outbound?.process?.comm, 'curl');
  const after = (await agent.client.getStatus()).counters['capture.kernel_filtered'];
  assert.ok(Number(after) > Number(before ?? 0), `the kernel dropped the excluded process's events (${before} -> ${after})`);
});

test('processes include by name: only the listed server is analysed', async () => {
  await setConfig('processes: { mode: include, names: [python3] }');
  const r = await attack('include-python');
  assert.equal(r.inbound?.process?.pid, serverPid);
  assert.equal(r.outbound, undefined, 'curl is not in the include list');
});

test('processes include by executable glob (user space): only the node client is analysed', async () => {
  const exe = fs.realpathSync(process.execPath);
  await setConfig(`processes: { mode: include, exe: [${JSON.stringify(exe.replace(/node$/, 'no?e'))}] }`);
  // A client that lives a moment after its request: executable paths come from /proc, which a
  // process that already exited no longer has (README: exe filters and short-lived processes); 3 s
  // leaves room for a busy agent's decode lag.
  const js = `require('http').get('http://127.0.0.1:${port}/include-exe?id=1%27%20OR%20%271%27=%271', (r) => { r.resume(); setTimeout(() => process.exit(0), 3000); })`;
  const client = await ns.run(process.execPath, ['-e', js]);
  assert.equal(client.code, 0, client.stderr);
  const out = await waitFor(() => incidents(stream.events).find((i) => i.request?.uri.startsWith('/include-exe?')), 'the node client incident');
  assert.equal(out.connection?.direction, 'DIRECTION_OUTBOUND');
  assert.equal(out.process?.exe, exe);
  assert.equal(out.process?.pid, client.pid);
  await new Promise((res) => setTimeout(res, 700));
  assert.equal(incidents(stream.events).filter((i) => i.request?.uri.startsWith('/include-exe?') && i.connection?.direction === 'DIRECTION_INBOUND').length, 0, 'python3 is not included');
});

test('an outbound-only ruleset leaves inbound attacks alone', async () => {
  await agent.client.setConfig({
    yaml: [
      BASE,
      'rules:',
      '  crs: { enabled: true }',
      '  et: { enabled: false }',
      '  inbound:',
      '    http: { crs: [], et: [] }',
      '    https: { crs: [], et: [] }',
      '    tcp: { crs: [], et: [] }',
      `outputs: { eve: { enabled: true, path: ${JSON.stringify(eve)} } }`,
    ].join('\n'),
  });
  const r = await attack('outbound-only');
  assert.equal(r.inbound, undefined, 'no inbound incident');
  assert.ok(r.outbound, 'the outbound request is still analysed');
});

test('paranoia applies live: a PL2-only request raises nothing at PL1 and an incident at PL2', async () => {
  const pl2Only = (step: string) => ['-o', '/dev/null', '-H', 'Host: shop.test', '-A', 'Mozilla/5.0', `http://127.0.0.1:${port}/${step}?q=%22%3E%3Cb%3Ebold`];
  await setConfig('detection: { paranoia: 1 }');
  await curl(ns, pl2Only('pl1'));
  await new Promise((res) => setTimeout(res, 1200));
  assert.equal(incidents(stream.events).filter((i) => i.request?.uri.startsWith('/pl1?')).length, 0, 'nothing at paranoia 1');
  await setConfig('detection: { paranoia: 2 }');
  await curl(ns, pl2Only('pl2'));
  const inc = await waitFor(() => incidents(stream.events).find((i) => i.request?.uri.startsWith('/pl2?') && i.connection?.direction === 'DIRECTION_INBOUND'), 'the PL2 incident');
  assert.ok(inc.rules.some((r) => r.id === '941320'), JSON.stringify(inc.rules.map((r) => r.id)));
  await setConfig('detection: { paranoia: 1 }');
});

test('settings the kernel cannot take (a missing cgroup, a payload cap above its maximum) are reported and analysis goes on', async () => {
  await setConfig("processes: { mode: exclude, cgroups: ['/proctap-no-such-cgroup'] }\nlimits: { payload_cap_bytes: 1048576 }");
  const r = await attack('kernel-cannot');
  assert.ok(r.inbound && r.outbound, 'both ends still analysed');
  await waitFor(() => /processes\.cgroups \/proctap-no-such-cgroup: .*user space only/.test(agent.stderr()), 'the problem on stderr', 5000);
  const st = await agent.client.getStatus();
  assert.ok(Number(st.counters['capture.problems']) > 0);
});

test('an invalid configuration is rejected with the field named, and the running one stays', async () => {
  await setConfig('processes: { mode: all }');
  const before = await agent.client.getConfig();
  await assert.rejects(
    agent.client.setConfig({ yaml: 'detection: { paranoia: 7 }\nprocesses: { mode: sometimes }\n' }),
    (e: Error & { code?: number; details?: string }) => {
      assert.equal(e.code, 3, 'INVALID_ARGUMENT');
      assert.match(e.details ?? '', /detection\.paranoia/);
      assert.match(e.details ?? '', /processes\.mode/);
      return true;
    },
  );
  const after = await agent.client.getConfig();
  assert.equal(after.generation, before.generation);
  assert.equal(after.yaml, before.yaml);
  const r = await attack('after-invalid');
  assert.ok(r.inbound && r.outbound, 'analysis goes on with the old configuration');
});

test('redaction: credentials are replaced in incidents and EVE, the attack is still shown', async () => {
  const secretAuth = 'Bearer sk-live-0123456789abcdef';
  const secretCookie = 'session=cafe-babe-1234';
  const secretPw = 'hunter2-very-secret';
  await curl(ns, [
    '-o', '/dev/null',
    '-H', `Authorization: ${secretAuth}`,
    '-H', `Cookie: ${secretCookie}`,
    '--data', `user=admin'%20OR%201%3D1--&password=${secretPw}`,
    `http://127.0.0.1:${port}/login-redact`,
  ]);
  const inc = await waitFor(
    () => incidents(stream.events).find((i) => i.request?.uri === '/login-redact' && i.connection?.direction === 'DIRECTION_INBOUND'),
    'the redaction incident',
  );
  const json = JSON.stringify(inc);
  for (const s of [secretAuth, secretCookie, secretPw, 'sk-live', 'cafe-babe', 'hunter2']) assert.ok(!json.includes(s), `${s} leaked into the incident`);
  const hdr = (n: string) => inc.request!.headers.find((h) => h.name.toLowerCase() === n)?.value;
  assert.match(hdr('authorization') ?? '', /\[REDACTED\]$/);
  assert.equal(hdr('cookie'), '[REDACTED]');
  const body = Buffer.from(inc.request!.body as unknown as string, typeof inc.request!.body === 'string' ? 'base64' : undefined).toString('latin1');
  assert.match(body, /password=(\[REDACTED\]|%5BREDACTED%5D)/);
  assert.match(body, /admin'%20OR%201%3D1--/, 'the attack itself stays visible');
  assert.ok(inc.rules.some((r) => Number(r.id) >= 942000 && Number(r.id) < 943000));
  await waitFor(() => fs.existsSync(eve) && fs.readFileSync(eve, 'utf8').includes('/login-redact'), 'the EVE line');
  const eveText = fs.readFileSync(eve, 'utf8');
  for (const s of ['sk-live', 'cafe-babe', 'hunter2']) assert.ok(!eveText.includes(s), `${s} leaked into EVE`);
});

test("redaction: credentials on the client's command line are removed from its incident", async () => {
  // A client that keeps running a moment (its /proc command line is read) with secrets in argv.
  const py = [
    'import sys, time, urllib.request',
    'req = urllib.request.Request(sys.argv[1], data=sys.argv[3].encode(), headers={"Authorization": sys.argv[2]})',
    'urllib.request.urlopen(req).read()',
    'time.sleep(3)',
  ].join('\n');
  const url = `http://127.0.0.1:${port}/cmdline-redact`;
  const r = await ns.run('python3', ['-c', py, url, 'Bearer sk-live-argv-5678', "user=admin'%20OR%201%3D1--&password=argv-pw-secret", '--api_key=argv-key-secret']);
  assert.equal(r.code, 0, r.stderr);
  const inc = await waitFor(() => incidents(stream.events).find((i) => i.request?.uri === '/cmdline-redact' && i.connection?.direction === 'DIRECTION_OUTBOUND'), 'the client incident');
  assert.equal(inc.process!.pid, r.pid);
  const argv = inc.process!.cmdline.join(' ');
  assert.match(argv, /cmdline-redact/, 'the command line was read');
  for (const s of ['sk-live-argv', 'argv-pw-secret', 'argv-key-secret']) assert.ok(!argv.includes(s), `${s} in ${argv}`);
  assert.match(argv, /--api_key=\[REDACTED\]/);
});
