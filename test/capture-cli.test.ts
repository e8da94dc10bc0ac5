// `proctap capture` as users run it: JSON lines with the documented fields, the text preview,
// counters at exit, and exit code 2 with a message for bad options.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { Netns, collectExit, startCaptureCli, untilAttached, sleep, startPyServer } from './capture-helpers';

const root = path.join(__dirname, '..');
const cli = path.join(root, 'src/cli/run.ts');

let ns: Netns;
before(() => {
  ns = new Netns();
});
after(() => ns?.remove());

test('--json prints one object per event with the documented fields, counters at exit', async () => {
  const srv = await startPyServer(ns, '127.0.0.1', 'http');
  const child = startCaptureCli(['--netns', ns.path, '--json', '--duration', '4', '--max-bytes', '20']);
  const done = collectExit(child, 30_000);
  try {
    await untilAttached(child);
    const curl = await ns.run('curl', ['-s', `http://127.0.0.1:${srv.port}/cli-json`]);
    assert.equal(curl.code, 0, curl.stderr);
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const send = lines.find((l) => l.type === 'send' && l.pid === curl.pid);
    assert.ok(send, r.stdout);
    for (const k of ['ts', 'type', 'pid', 'tid', 'comm', 'exe', 'role', 'direction', 'src', 'dst', 'socket', 'netns', 'len', 'captured', 'truncated', 'payload']) {
      assert.ok(k in send, `field ${k}`);
    }
    assert.equal(send.comm, 'curl');
    assert.equal(send.role, 'client');
    assert.equal(send.direction, 'outbound');
    assert.equal(send.dst, `127.0.0.1:${srv.port}`);
    assert.match(String(send.src), /^127\.0\.0\.1:\d+$/);
    assert.equal(send.netns, ns.inode);
    assert.equal(send.captured, 20);
    assert.equal(send.truncated, true);
    assert.ok(Number(send.len) > 20);
    assert.equal(Buffer.from(String(send.payload), 'base64').toString(), 'GET /cli-json HTTP/1');
    assert.ok(!Number.isNaN(Date.parse(String(send.ts))));
    const recv = lines.find((l) => l.type === 'recv' && l.comm === 'python3');
    assert.ok(recv);
    assert.equal(recv.role, 'server');
    assert.equal(recv.direction, 'inbound');
    assert.equal(recv.src, send.src);
    assert.equal(recv.dst, send.dst);
    const counters = JSON.parse(r.stderr.trim().split('\n').pop()!) as { counters: Record<string, number> };
    assert.equal(counters.counters.printed, lines.length);
    assert.ok(counters.counters.events >= lines.length);
    assert.equal(counters.counters.ring_drops, 0);
  } finally {
    child.kill('SIGKILL');
    srv.child.kill();
  }
});

test('text mode prints a readable preview; SIGINT stops it with counters', async () => {
  const srv = await startPyServer(ns, '127.0.0.1', 'http');
  const child = startCaptureCli(['--netns', ns.path, '--comm', 'never-matches']);
  const done = collectExit(child, 30_000);
  try {
    await untilAttached(child);
    const curl = await ns.run('curl', ['-s', '-H', 'X-Tab: a\tb', `http://127.0.0.1:${srv.port}/text`]);
    assert.equal(curl.code, 0);
    await sleep(300);
    child.kill('SIGINT');
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    const line = r.stdout.split('\n').find((l) => l.includes(` send `) && l.includes(`curl[${curl.pid}]`));
    assert.ok(line, r.stdout);
    assert.match(line, new RegExp(`curl\\[${curl.pid}\\] client 127\\.0\\.0\\.1:\\d+ -> 127\\.0\\.0\\.1:${srv.port} len=\\d+ "GET /text HTTP/1\\.1\\\\r\\\\nHost`));
    assert.match(line, /X-Tab: a\\tb\\r\\n/);
    assert.match(r.stderr, /counters: events=\d+ bytes=\d+ printed=\d+ ring_drops=0/);
  } finally {
    child.kill('SIGKILL');
    srv.child.kill();
  }
});

for (const [args, msg] of [
  [['--max-bytes', 'abc'], /--max-bytes "abc": expected a whole number/],
  [['--max-bytes', '70000'], /--max-bytes 70000: must be from 0 to 65536/],
  [['--pid', 'x'], /--pid "x"/],
  [['--duration', '-1'], /--duration/],
  [['--netns', '/nonexistent/ns'], /netns \/nonexistent\/ns/],
  [['--cgroup', '/nonexistent/cg'], /cgroup \/nonexistent\/cg/],
  [['--ring-bytes', '5000'], /ringBytes 5000/],
  [['--capture-path', 'kprobes'], /--capture-path kprobes/],
  [['--comm', 'a-name-longer-than-15'], /1 to 15 characters/],
  [['--no-such-option'], /unknown option/],
] as [string[], RegExp][]) {
  test(`bad option ${args.join(' ')} exits 2 with a message`, () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', cli, 'capture', ...args], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, msg);
  });
}
