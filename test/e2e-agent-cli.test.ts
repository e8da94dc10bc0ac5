// `proctap agent` command line: bad input exits 2 with a message that names the problem, before
// anything is loaded or attached.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO, tmp } from './e2e-helpers';

function agent(args: string[]): { code: number | null; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO, 'src/cli/run.ts'), 'agent', ...args], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stderr: r.stderr };
}

test('an invalid configuration file exits 2 naming the file, line and field', () => {
  const f = path.join(tmp('cli'), 'bad.yaml');
  fs.writeFileSync(f, 'detection:\n  paranoia: 9\nprocesses: { mode: include }\n');
  const r = agent(['--config', f, '--state-dir', tmp('cli-state')]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /bad\.yaml:2: detection\.paranoia: must be 1, 2, 3 or 4/);
  assert.match(r.stderr, /processes: mode 'include' needs at least one entry/);
});

test('bad options exit 2: missing namespace, listen address, ring size, duration', () => {
  for (const [args, re] of [
    [['--netns', '/run/netns/proctap-no-such-ns'], /--netns .*no such namespace/],
    [['--grpc-listen', 'nowhere'], /expected HOST:PORT/],
    [['--ring-bytes', '1000'], /--ring-bytes 1000: a power of two/],
    [['--duration', '-1'], /--duration/],
    [['--capture-path', 'kprobes'], /--capture-path kprobes/],
  ] as [string[], RegExp][]) {
    const r = agent([...args, '--state-dir', tmp('cli-state')]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
});
