// `proctap capture` shows HTTPS plaintext: TLS events carry tls: true, the link and the library;
// --no-https loads no uprobes and prints no plaintext events.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Netns, collectExit, startCaptureCli, untilAttached } from './capture-helpers';
import { RESPONSE_BODY, makeCert, startPyHttps, type Cert } from './tls-helpers';

let ns: Netns;
let cert: Cert;
before(() => {
  ns = new Netns();
  cert = makeCert();
});
after(() => ns?.remove());

async function captureCurl(extra: string[]) {
  const srv = await startPyHttps(ns, cert);
  const child = startCaptureCli(['--netns', ns.path, '--json', '--duration', '3', ...extra]);
  const done = collectExit(child, 30_000);
  try {
    await untilAttached(child);
    const curl = await ns.run('curl', ['-s', '--http1.1', '--cacert', cert.cert, `https://127.0.0.1:${srv.port}/cli-tls`]);
    assert.equal(curl.code, 0, curl.stderr);
    assert.equal(curl.stdout, `${RESPONSE_BODY}/cli-tls\n`);
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    return { lines, curl, stderr: r.stderr };
  } finally {
    srv.child.kill('SIGKILL');
  }
}

test('proctap capture --json: TLS plaintext lines with tls: true, link and library', async () => {
  const { lines, curl, stderr } = await captureCurl([]);
  const w = lines.find((l) => l.type === 'tls_write' && l.pid === curl.pid);
  assert.ok(w, JSON.stringify(lines.map((l) => l.type)));
  assert.equal(w.tls, true);
  assert.equal(w.tls_link, 'exact');
  assert.equal(w.library, '/usr/lib/x86_64-linux-gnu/libssl.so.3');
  assert.equal(w.direction, 'outbound');
  assert.match(Buffer.from(String(w.payload), 'base64').toString(), /^GET \/cli-tls HTTP\/1.1\r\n/);
  const rd = lines.find((l) => l.type === 'tls_read' && l.pid === curl.pid);
  assert.ok(rd);
  assert.equal(rd.direction, 'inbound');
  // The ciphertext of the same socket is marked.
  const tcp = lines.filter((l) => (l.type === 'send' || l.type === 'recv') && l.pid === curl.pid && l.socket === w.socket);
  assert.ok(tcp.length > 0 && tcp.every((l) => (l.flags as string[] | undefined)?.includes('tls_ciphertext')), JSON.stringify(tcp));
  assert.ok(!lines.some((l) => l.tls && l.type !== 'tls_write' && l.type !== 'tls_read'));
  const counters = JSON.parse(stderr.trim().split('\n').pop()!).counters as Record<string, number>;
  assert.ok(counters.tls_events >= 2, stderr);
  assert.equal(counters.tls_unlinked, 0);
  assert.equal(counters.tls_attach_failures, 0);
});

test('proctap capture --no-https: no plaintext events, no TLS counters', async () => {
  const { lines, curl, stderr } = await captureCurl(['--no-https']);
  assert.ok(lines.some((l) => l.type === 'send' && l.pid === curl.pid));
  assert.ok(!lines.some((l) => l.tls || l.type === 'tls_write' || l.type === 'tls_read'));
  const counters = JSON.parse(stderr.trim().split('\n').pop()!).counters as Record<string, number>;
  assert.equal(counters.tls_events, undefined);
});
