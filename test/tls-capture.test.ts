// HTTPS plaintext through the OpenSSL uprobes, with real TLS inside the test's own network
// namespace: curl -> python (libssl.so.3, socket BIO: exact links), both sides' plaintext exact,
// both pids, the same connection; the ciphertext TCP events are marked; a curl started after the
// sensor is seen from its first SSL call (per-file probes, netns filter selecting).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { CaptureEvent } from '../src/capture';
import { Capture, Netns, describe } from './capture-helpers';
import { RESPONSE_BODY, describeTls, isTls, makeCert, plaintext, startPyHttps, type Cert } from './tls-helpers';

let ns: Netns;
let cert: Cert;
before(() => {
  ns = new Netns();
  cert = makeCert();
});
after(() => ns?.remove());

test('curl -> python https: both sides plaintext exact, both pids, one connection, ciphertext marked', async () => {
  const srv = await startPyHttps(ns, cert);
  const cap = new Capture(ns);
  try {
    assert.equal(cap.sensor.tls?.mode, 'file', 'a netns filter attaches per library file');
    const libs = cap.sensor.tls!.list();
    assert.ok(libs.some((a) => a.scope === 'file' && /libssl\.so\.3$/.test(a.path)), JSON.stringify(libs));

    // curl starts after the sensor: its very first SSL_write must be seen.
    const r = await ns.run('curl', ['-s', '--http1.1', '--cacert', cert.cert, '-A', 'proctap-test', '-H', 'X-Proctap: tls-1',
      `https://127.0.0.1:${srv.port}/secret?token=abc`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${RESPONSE_BODY}/secret?token=abc\n`);
    const curl = (e: CaptureEvent) => e.pid === r.pid;
    const server = (e: CaptureEvent) => e.pid === srv.child.pid;
    await cap.waitFor((evs) => evs.some((e) => curl(e) && e.type === 'tls_read' && e.payload.includes('/secret?token=abc\n')), 5000, 'curl tls_read');
    await cap.waitFor((evs) => evs.some((e) => server(e) && e.type === 'tls_write' && e.payload.includes('/secret?token=abc\n')), 5000, 'server tls_write');

    const expectedReq =
      `GET /secret?token=abc HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nUser-Agent: proctap-test\r\nAccept: */*\r\nX-Proctap: tls-1\r\n\r\n`;
    const curlWrites = cap.events.filter((e) => curl(e) && e.type === 'tls_write');
    assert.equal(plaintext(cap.events, (e) => curl(e) && e.type === 'tls_write'), expectedReq, describeTls(cap.events));
    assert.equal(plaintext(cap.events, (e) => server(e) && e.type === 'tls_read'), expectedReq, describeTls(cap.events));

    const resp = plaintext(cap.events, (e) => curl(e) && e.type === 'tls_read');
    assert.match(resp, /^HTTP\/1\.1 200 OK\r\n/);
    assert.ok(resp.endsWith(`\r\n\r\n${RESPONSE_BODY}/secret?token=abc\n`), resp);
    assert.equal(plaintext(cap.events, (e) => server(e) && e.type === 'tls_write'), resp);

    // Facts and links: exact (socket BIO), the library, the same connection on both ends.
    const tls = cap.events.filter((e) => isTls(e) && (curl(e) || server(e)));
    for (const e of tls) {
      assert.equal(e.tlsLink, 'exact', describeTls(cap.events));
      assert.equal(e.tlsLibrary, '/usr/lib/x86_64-linux-gnu/libssl.so.3');
      assert.notEqual(e.socketCookie, 0n);
      assert.ok(e.tlsContext && e.tlsContext !== 0n);
      assert.equal(e.netnsIno, ns.inode);
      assert.equal(e.len, e.captured);
    }
    const cw = curlWrites[0];
    assert.equal(cw.comm, 'curl');
    assert.equal(cw.role, 'client');
    assert.equal(cw.remotePort, srv.port);
    assert.equal(cw.localAddr, '127.0.0.1');
    const sr = tls.find((e) => server(e) && e.type === 'tls_read')!;
    assert.equal(sr.comm, 'python3');
    assert.equal(sr.role, 'server');
    assert.equal(sr.localPort, srv.port);
    assert.equal(sr.remotePort, cw.localPort, 'the server end of the same connection');
    // Same socket as the TCP events of each side, and those TCP events are marked as ciphertext.
    for (const side of [curl, server]) {
      const cookies = new Set(tls.filter(side).map((e) => e.socketCookie));
      assert.equal(cookies.size, 1, describeTls(cap.events));
      const [cookie] = cookies;
      const tcp = cap.events.filter((e) => side(e) && (e.type === 'send' || e.type === 'recv') && e.socketCookie === cookie);
      assert.ok(tcp.length >= 2, describe(cap.events));
      for (const e of tcp) assert.ok(e.flags.tlsCiphertext, `TCP ${e.type} of a TLS socket not marked: ${describe(tcp)}`);
      // ciphertext differs from the plaintext
      assert.ok(!tcp.some((e) => e.payload.includes('/secret?token=abc')));
    }
    const c = cap.sensor.counters();
    assert.ok(c.tls, 'TLS counters present');
    assert.ok(c.tls.events >= 4 && c.tlsEvents >= 4, JSON.stringify(c.tls));
    assert.equal(c.tls.unlinked, 0);
    assert.deepEqual(c.tls.attachFailures, {});
  } finally {
    await cap.sensor.close();
    srv.child.kill('SIGKILL');
  }
});
