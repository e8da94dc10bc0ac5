// `proctap demo` end to end, as `make demo` runs it (from source here): ET Open installed offline
// from the shared snapshot through `proctap rules update`, the workload in the demo's own
// namespaces, incidents in the live table for every attack kind and the compromised process,
// and nothing left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ET_TARBALL, REPO, tmp } from './e2e-helpers';

test('demo: attacks over HTTP and HTTPS and the compromised process show up as incidents; everything is cleaned up', async () => {
  assert.ok(fs.existsSync(ET_TARBALL), `no ET snapshot at ${ET_TARBALL} (../shared/data sits beside the repo)`);
  const etDir = path.join(tmp('demo-et'), 'et');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'src/cli/run.ts'), 'demo', '--duration', '16', '--offline', '--et-dir', etDir], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.on('exit', (c) => {
      clearTimeout(t);
      resolve(c);
    });
  }).finally(() => fs.rmSync(path.dirname(etDir), { recursive: true, force: true }));
  assert.equal(code, 0, out);
  assert.match(out, /installing the local snapshot .*emerging-all\.rules\.tar\.gz with `proctap rules update --et-url http:\/\/127\.0\.0\.1:\d+\//);
  assert.match(out, /ET: \d{4,} rules from /);
  const ns = /namespaces (proctap-demo-app-\w+) .* and (proctap-demo-net-\w+)/.exec(out);
  assert.ok(ns, out);
  const rows = out.split('\n').filter((l) => /^\d\d:\d\d:\d\d (critical|high|medium|low) /.test(l));
  const inbound = rows.filter((l) => / in  /.test(l));
  const has = (re: RegExp, lines = inbound) => assert.ok(lines.some((l) => re.test(l)), `${re} in\n${rows.join('\n')}`);
  has(/python3\[\d+\].*products\?id=1'%20OR/); // SQL injection
  has(/search\?q=%3Cscript/); // XSS
  has(/download\?file=\.\.\/\.\.\//); // path traversal
  has(/et:2034647/); // Log4Shell (ET)
  has(/crs:932170|et:2019232/); // Shellshock
  has(/ https +python3/); // something over HTTPS
  has(/ out http +curl\[\d+\] .*et:2016710/, rows); // the compromised process
  assert.match(out, /cleaned up/);
  const left = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
  assert.ok(!left.includes(ns![1]) && !left.includes(ns![2]), `namespaces left: ${left}`);
});
