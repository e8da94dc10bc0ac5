// `proctap waf-eval` end to end: JSON lines through the real CLI with CRS 4.28 from shared data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');
const CRS4 = path.resolve(ROOT, '..', 'shared', 'data', 'crs', 'v4.28.0');

function wafEval(args: string[], input: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', 'waf-eval', ...args], { cwd: ROOT, input, encoding: 'utf8', timeout: 120_000 });
}

test('waf-eval: one output line per input line, ids in order, inbound score, errors per line', () => {
  const lines = [
    { id: 'benign', method: 'GET', uri: '/index.html?page=2', version: 'HTTP/1.1', headers: [['Host', 'example.com'], ['User-Agent', 'Mozilla/5.0'], ['Accept', 'text/html']] },
    { id: 'sqli', method: 'GET', uri: "/item?id=1'%20UNION%20SELECT%20pass%20FROM%20users--", version: 'HTTP/1.1', headers: [['Host', 'example.com'], ['User-Agent', 'Mozilla/5.0'], ['Accept', '*/*']] },
    'this is not json',
    { id: 'nomethod', uri: '/' },
    {
      id: 'post', method: 'POST', uri: '/login', version: 'HTTP/1.1', client_ip: '203.0.113.9',
      headers: [['Host', 'example.com'], ['User-Agent', 'Mozilla/5.0'], ['Accept', '*/*'], ['Content-Type', 'application/x-www-form-urlencoded'], ['Content-Length', '33']],
      body_b64: Buffer.from('user=admin&q=<script>alert(1)</script>').toString('base64'),
    },
  ];
  const input = lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';
  const r = wafEval(['--crs', CRS4, '--paranoia', '1'], input);
  assert.equal(r.status, 0, r.stderr);
  const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: unknown; matched?: number[]; anomaly_score?: number; error?: string });
  assert.equal(out.length, 5);
  assert.deepEqual(out[0], { id: 'benign', matched: [], anomaly_score: 0 });
  assert.equal(out[1].id, 'sqli');
  assert.ok(out[1].matched?.includes(942100) && out[1].matched.includes(949110), JSON.stringify(out[1]));
  assert.ok((out[1].anomaly_score ?? 0) >= 5);
  // in evaluation order: the SQLi rules of phase 2 before the blocking evaluation that sums them
  assert.ok((out[1].matched ?? []).indexOf(942100) < (out[1].matched ?? []).indexOf(949110));
  assert.equal(out[2].id, 3);
  assert.match(out[2].error ?? '', /invalid JSON/);
  assert.deepEqual(out[3], { id: 'nomethod', error: 'missing "method"' });
  assert.ok(out[4].matched?.includes(941100), JSON.stringify(out[4]));
});

test('waf-eval: --extra files load before the rules; bad options exit 2', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'waf-eval-'));
  const extra = path.join(dir, 'exclusions.conf');
  // CRS 4 reads tx.blocking_paranoia_level from a 900000-style rule placed before the rules.
  fs.writeFileSync(extra, 'SecAction "id:900000,phase:1,pass,nolog,setvar:tx.blocking_paranoia_level=1"\nSecRuleRemoveById 942100\n');
  const req = { id: 1, method: 'GET', uri: "/item?id=1'%20UNION%20SELECT%20pass%20FROM%20users--", headers: [['Host', 'x'], ['User-Agent', 'u'], ['Accept', '*/*']] };
  const r = wafEval(['--crs', CRS4, '--extra', extra], JSON.stringify(req) + '\n');
  assert.equal(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout) as { matched: number[] };
  assert.ok(!o.matched.includes(942100));
  assert.ok(o.matched.includes(949110));
  assert.equal(wafEval(['--crs', CRS4, '--paranoia', '7'], '').status, 2);
  assert.equal(wafEval(['--crs', path.join(dir, 'missing')], '').status, 2);
});
