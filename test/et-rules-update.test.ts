// `proctap rules update` against a local HTTP server on 127.0.0.1 serving the shared ET tarball:
// enable/disable lists (sid, re:, group:), atomic switch of the rules directory, and old rules kept
// when the download fails, the archive is corrupt, or the new rules do not load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { execFile } from 'child_process';
import type { AddressInfo } from 'net';

const ROOT = path.resolve(__dirname, '..');
const TARBALL = path.resolve(ROOT, '../shared/data/et-open/emerging-all.rules.tar.gz');

function tarOf(files: Record<string, string>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    const h = Buffer.alloc(512);
    h.write(name, 0);
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(data.length.toString(8).padStart(11, '0') + '\0', 124);
    h.write('00000000000\0', 136);
    h.write('        ', 148);
    h.write('0', 156);
    h.write('ustar\0' + '00', 257);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return zlib.gzipSync(Buffer.concat(blocks));
}

function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], { cwd: ROOT, timeout: 120_000, env: { ...process.env, PROCTAP_HS_CACHE: '' } }, (e, out, err) => {
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out, err });
    });
  });
}

test('rules update: lists applied, atomic switch, failures keep the old rules', async () => {
  const tarball = fs.readFileSync(TARBALL);
  const bad = tarOf({ 'rules/broken.rules': 'alert http any any -> any any (msg:"x"; frobnicate; sid:1;)\nalert http any any -> any any (nosid;)\n' });
  const served = { requests: 0 };
  const server = http.createServer((req, res) => {
    served.requests++;
    if (req.url === '/et.tar.gz') res.end(tarball);
    else if (req.url === '/corrupt.tar.gz') res.end(Buffer.from('this is not gzip'));
    else if (req.url === '/bad-rules.tar.gz') res.end(bad);
    else {
      res.statusCode = 404;
      res.end('no');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'et-update-'));
  try {
    const dest = path.join(dir, 'et');
    // sid 2011752 is commented out in ET Open's file (ET GAMES TrackMania Request Connect); enable it.
    fs.writeFileSync(path.join(dir, 'enable.conf'), '# enable\n2011752\n');
    fs.writeFileSync(path.join(dir, 'disable.conf'), '2034647\nre:ET SCAN Sqlmap\ngroup:nothing-*.rules\n1:2018202 # by gid:sid\n');
    const first = await run(['rules', 'update', '--et-url', `${base}/et.tar.gz`, '--dest', dest, '--enable-conf', path.join(dir, 'enable.conf'), '--disable-conf', path.join(dir, 'disable.conf')]);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /rules updated/);
    assert.ok(fs.lstatSync(dest).isSymbolicLink());
    const v1 = fs.realpathSync(dest);
    const text = fs.readFileSync(path.join(dest, 'emerging-all.rules'), 'utf8');
    const line = (sid: number) => text.split('\n').find((l) => new RegExp(`sid:${sid};`).test(l))!;
    assert.match(line(2034647), /^# alert/);
    assert.match(line(2018202), /^# alert/);
    assert.match(line(2011752), /^alert/);
    assert.ok(text.split('\n').filter((l) => /ET SCAN Sqlmap/.test(l)).every((l) => l.startsWith('#')));
    assert.match(first.out, /1 enabled and \d+ disabled by the lists/);
    assert.match(first.out, /HTTP\/TCP rules: \d+ of \d+ enabled loaded/);

    // Failures leave the current version in place.
    for (const [url, why] of [
      [`${base}/missing.tar.gz`, /HTTP 404/],
      [`${base}/corrupt.tar.gz`, /not a usable tar.gz/],
      [`${base}/bad-rules.tar.gz`, /does not load well enough/],
      ['http://127.0.0.1:1/et.tar.gz', /download of .* failed/],
    ] as const) {
      const r = await run(['rules', 'update', '--et-url', url, '--dest', dest]);
      assert.equal(r.code, 1, r.err);
      assert.match(r.err, /old rules kept/);
      assert.match(r.err, why);
      assert.equal(fs.realpathSync(dest), v1);
      assert.ok(fs.existsSync(path.join(dest, 'emerging-all.rules')));
    }
    assert.equal(fs.readdirSync(`${dest}-versions`).length, 1, 'failed attempts leave no directories behind');

    // A second update switches to a new version and keeps the previous one.
    const second = await run(['rules', 'update', '--et-url', `${base}/et.tar.gz`, '--dest', dest]);
    assert.equal(second.code, 0, second.err);
    const v2 = fs.realpathSync(dest);
    assert.notEqual(v2, v1);
    assert.deepEqual(fs.readdirSync(`${dest}-versions`).sort(), [path.basename(v1), path.basename(v2)].sort());
    assert.match(fs.readFileSync(path.join(dest, 'emerging-all.rules'), 'utf8').split('\n').find((l) => /sid:2034647;/.test(l))!, /^alert/);

    // A local archive works too (hosts without access to the rule server).
    const local = await run(['rules', 'update', '--et-url', TARBALL, '--dest', dest]);
    assert.equal(local.code, 0, local.err);
    assert.notEqual(fs.realpathSync(dest), v2);
    const missing = await run(['rules', 'update', '--et-url', 'file:///nonexistent/et.tar.gz', '--dest', dest]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /cannot read/);

    // Bad usage exits 2.
    const usage = await run(['rules', 'update', '--dest', dest, '--disable-conf', path.join(dir, 'nope.conf')]);
    assert.equal(usage.code, 2);
    const check = await run(['rules', 'check', dest]);
    assert.equal(check.code, 0, check.err);
    assert.match(check.out, /loaded/);
  } finally {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
