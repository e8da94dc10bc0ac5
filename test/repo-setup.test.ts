// The repository's own promises: the CLI runs and reports usage errors with exit code 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.join(__dirname, '..');

test('proctap --help lists the command and exits 0', () => {
  const r = spawnSync('node', ['--import', 'tsx', path.join(root, 'src/cli/run.ts'), '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Usage: proctap/);
});

test('an unknown option exits 2 with a message', () => {
  const r = spawnSync('node', ['--import', 'tsx', path.join(root, 'src/cli/run.ts'), '--no-such-option'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown option/);
});
