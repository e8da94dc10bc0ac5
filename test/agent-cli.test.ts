// The client commands against a real agent gRPC server on 127.0.0.1 (ephemeral port), run as a user
// would: `proctap incidents|status|config|mask|rule --server ADDR` in a child process. Incidents come
// from synthetic transactions through fake Detectors (agent-fixtures.ts); the real engines are wired later.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Agent } from '../src/agent/agent';
import { defaultConfig } from '../src/config/defaults';
import { fakeEngines, tx, flow, SyntheticCapture } from './agent-fixtures';

const root = path.join(__dirname, '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proctap-cli-'));
const capture = new SyntheticCapture();
let agent: Agent;
let server = '';

function cli(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile('node', ['--import', 'tsx', path.join(root, 'src/cli/run.ts'), ...args], { cwd: root, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

before(async () => {
  const { crsDet, etDet } = fakeEngines();
  const config = defaultConfig();
  config.host.name = 'node-c';
  agent = new Agent({ config, stateDir: path.join(dir, 'state'), detectors: [crsDet, etDet], capture, grpcListen: '127.0.0.1:0', metricsListen: null, evePath: null, defaultMetrics: false });
  server = (await agent.start()).grpc;
  capture.sink?.transaction(tx({ uri: '/item?id=1%20OR%201=1' }));
  capture.sink?.transaction(tx({ flow: flow({ localRole: 'client', comm: 'curl', pid: 51, client: { addr: '10.0.0.2', port: 1 }, server: { addr: '192.0.2.5', port: 80 } }), headers: [['User-Agent', 'EvilBot']] }));
});

after(async () => {
  await agent.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('proctap incidents: table and JSON', async () => {
  const t = await cli(['incidents', '--server', server]);
  assert.equal(t.code, 0, t.stderr);
  const lines = t.stdout.trim().split('\n');
  assert.match(lines[0], /^TIME\s+SEVERITY\s+DIR/);
  assert.equal(lines.length, 3);
  assert.match(lines[1], /critical\s+in\s+http\s+webapp\[1234\]\s+10\.1\.2\.3:51000\s+GET \/item\?id=1%20OR%201=1/);
  assert.match(lines[2], /out\s+http\s+curl\[51\].*et:2024897/);

  const j = await cli(['incidents', '--json', '--direction', 'outbound', '--server', server]);
  assert.equal(j.code, 0, j.stderr);
  const objs = j.stdout.trim().split('\n').map((l) => JSON.parse(l) as { process: { pid: number }; rules: { id: string }[]; time: string });
  assert.equal(objs.length, 1);
  assert.equal(objs[0].process.pid, 51);
  assert.equal(objs[0].rules[0].id, '2024897');
  assert.match(objs[0].time, /^\d{4}-/);

  const bad = await cli(['incidents', '--min-severity', 'urgent', '--server', server]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--min-severity: one of critical, high, medium, low/);
});

test('proctap incidents --follow prints incidents as they are raised', async () => {
  const child = spawn('node', ['--import', 'tsx', path.join(root, 'src/cli/run.ts'), 'incidents', '--follow', '--json', '--limit', '0', '--server', server], { cwd: root });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 20_000;
  // Wait for the subscription to reach the agent, then raise an incident.
  while (agent.store.subscribers < 1 + 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  capture.sink?.transaction(tx({ uri: '/x?q=1%20OR%201=1', flow: flow({ client: { addr: '10.77.0.1', port: 9 } }) }));
  while (!out.includes('\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGINT');
  await new Promise((r) => child.once('exit', r));
  const ev = JSON.parse(out.trim().split('\n')[0]) as { connection: { remote_address: string } };
  assert.equal(ev.connection.remote_address, '10.77.0.1');
});

test('proctap status', async () => {
  const r = await cli(['status', '--server', server]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /proctap 0\.1\.0 on node-c/);
  assert.match(r.stdout, /capture path: synthetic/);
  assert.match(r.stdout, /attached\s+tp_btf\s+sock_send_length/);
  assert.match(r.stdout, /suricata: 10 rules loaded, 2 failed/);
  assert.match(r.stdout, /incidents_raised\s+\d+/);
});

test('proctap config get / set / check', async () => {
  const g = await cli(['config', 'get', '--server', server]);
  assert.equal(g.code, 0, g.stderr);
  assert.match(g.stdout, /^# generation 1\n/);
  assert.match(g.stdout, /paranoia: 1/);

  const badFile = path.join(dir, 'bad.yaml');
  fs.writeFileSync(badFile, 'processes:\n  mode: sometimes\n');
  const bad = await cli(['config', 'set', badFile, '--server', server]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /processes\.mode: must be one of all, include, exclude/);
  assert.equal(agent.config.generation, 1, 'running config kept');

  const check = await cli(['config', 'check', badFile]);
  assert.equal(check.code, 1);
  assert.match(check.stderr, /bad\.yaml:2: processes\.mode/);

  const good = await cli(['config', 'set', '-', '--server', server], 'detection:\n  paranoia: 2\n');
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stdout, /configuration accepted: generation 2/);
  assert.equal(agent.config.current.detection.paranoia, 2);
});

test('proctap mask and rule enable/disable', async () => {
  const id = agent.store.list({}, 10).incidents.find((i) => i.process.comm === 'webapp')?.id ?? '';
  const m = await cli(['mask', id, '--future', '--server', server]);
  assert.equal(m.code, 0, m.stderr);
  assert.match(m.stdout, new RegExp(`masked ${id} and its future repeats`));
  assert.equal(agent.store.get(id)?.masked, true);
  const missing = await cli(['mask', 'inc-0000', '--server', server]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no incident inc-0000/);

  const d = await cli(['rule', 'disable', '942100', '--server', server]);
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stdout, /rule 942100 disabled on every host/);
  assert.match(d.stdout, /\*:942100/);
  const e = await cli(['rule', 'enable', '942100', '--host', 'node-c', '--server', server]);
  assert.equal(e.code, 0, e.stderr);
  assert.match(e.stdout, /rules off on the agent's host: none/);
  const u = await cli(['rule', 'disable', 'abc', '--server', server]);
  assert.equal(u.code, 2);
  assert.match(u.stderr, /rule id: a positive integer/);
});
