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

/** Checks that every request i (path /req/i) and its response are attributed to the connection
 * whose local port the client printed, on the client and on the server. */
function checkPerConnection(evs: CaptureEvent[], clientPid: number, serverPid: number, ports: Map<number, number>, n: number) {
  const tcpPortOf = new Map<bigint, number>(); // cookie -> local port, from the TCP events
  const tcpPeerOf = new Map<bigint, number>();
  for (const e of evs) {
    if ((e.type === 'send' || e.type === 'recv' || e.type === 'established') && e.localPort) {
      tcpPortOf.set(e.socketCookie, e.localPort);
      tcpPeerOf.set(e.socketCookie, e.remotePort);
    }
  }
  for (let i = 0; i < n; i++) {
    const port = ports.get(i);
    assert.ok(port, `client printed no port for request ${i}`);
    const tag = `/req/${i}`;
    const has = (e: CaptureEvent, s: string) => e.payload.toString('latin1').includes(s);
    const cw = evs.find((e) => e.pid === clientPid && e.type === 'tls_write' && has(e, `POST ${tag} `));
    const sr = evs.find((e) => e.pid === serverPid && e.type === 'tls_read' && has(e, `POST ${tag} `));
    const sw = evs.find((e) => e.pid === serverPid && e.type === 'tls_write' && has(e, `path=${tag} `));
    const cr = evs.find((e) => e.pid === clientPid && e.type === 'tls_read' && has(e, `path=${tag} `));
    for (const [name, e] of [['client write', cw], ['server read', sr], ['server write', sw], ['client read', cr]] as const) {
      assert.ok(e, `request ${i}: no ${name}\n${describeTls(evs)}`);
      assert.notEqual(e.tlsLink, 'none', `request ${i}: ${name} unlinked`);
      assert.notEqual(e.socketCookie, 0n);
    }
    // Client side: both directions on the socket whose local port is the one the client printed.
    assert.equal(cw!.socketCookie, cr!.socketCookie, `request ${i}: client write/read on different sockets`);
    assert.equal(tcpPortOf.get(cw!.socketCookie), port, `request ${i}: client plaintext on the wrong connection`);
    assert.equal(cw!.localPort, port);
    // Server side: the socket whose peer port is the client's port.
    assert.equal(sr!.socketCookie, sw!.socketCookie, `request ${i}: server read/write on different sockets`);
    assert.equal(tcpPeerOf.get(sr!.socketCookie), port, `request ${i}: server plaintext on the wrong connection`);
    assert.equal(sr!.remotePort, port);
  }
}

test('node https client -> node https server: 24 concurrent requests each on the right connection', async () => {
  const { startNodeHttps, nodeClientScript } = await import('./tls-helpers');
  const srv = await startNodeHttps(ns, cert);
  const cap = new Capture(ns);
  const N = 24;
  try {
    const r = await ns.run('node', [nodeClientScript(cert), String(srv.port), String(N), cert.cert], 30_000);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const ports = new Map<number, number>();
    for (const m of r.stdout.matchAll(/^REQ (\d+) (\d+) 200 /gm)) ports.set(Number(m[1]), Number(m[2]));
    assert.equal(ports.size, N, r.stdout);
    await cap.waitFor((evs) => evs.filter((e) => e.pid === r.pid && e.type === 'tls_read').length >= N, 8000, 'client reads');
    await cap.waitFor((evs) => evs.filter((e) => e.pid === srv.child.pid && e.type === 'tls_write').length >= N, 8000, 'server writes');
    checkPerConnection(cap.events, r.pid, srv.child.pid!, ports, N);
    // Node uses a memory BIO: links are inferred, and say so.
    const tls = cap.events.filter((e) => isTls(e) && (e.pid === r.pid || e.pid === srv.child.pid));
    assert.ok(tls.some((e) => e.tlsLink === 'inferred'), describeTls(cap.events));
    assert.ok(tls.every((e) => e.tlsLibrary === '/usr/bin/node'), describeTls(tls));
    // Exact request bytes on both ends for one request.
    const body5 = 'client-body-5-xxxxx';
    const req5 = plaintext(cap.events, (e) => e.pid === r.pid && e.type === 'tls_write' && e.payload.includes('/req/5 '));
    assert.match(req5, new RegExp(`^POST /req/5 HTTP/1.1\r\n`));
    const sreq5 = plaintext(cap.events, (e) => e.pid === srv.child.pid && e.type === 'tls_read' && e.payload.includes('/req/5 '));
    assert.equal(sreq5, req5);
    assert.ok((req5.endsWith(body5) || cap.events.some((e) => e.pid === r.pid && e.type === 'tls_write' && e.payload.toString() === body5)), req5);
    const c = cap.sensor.counters().tls!;
    assert.equal(c.unlinked, 0, JSON.stringify(c));
  } finally {
    await cap.sensor.close();
    srv.child.kill('SIGKILL');
  }
});

test('python client -> node https server', async () => {
  const { startNodeHttps } = await import('./tls-helpers');
  const srv = await startNodeHttps(ns, cert);
  const cap = new Capture(ns);
  try {
    const py = String.raw`
import ssl, sys, urllib.request
ctx = ssl.create_default_context(cafile=sys.argv[2])
req = urllib.request.Request('https://127.0.0.1:%s/py/path' % sys.argv[1], data=b'py-body-123', headers={'X-From': 'python'})
with urllib.request.urlopen(req, context=ctx) as r:
    sys.stdout.write(r.read().decode())
`;
    const r = await ns.run('python3', ['-c', py, String(srv.port), cert.cert], 20_000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^node-server conn=1 path=\/py\/path body=py-body-123\n$/);
    const client = (e: CaptureEvent) => e.pid === r.pid;
    const server = (e: CaptureEvent) => e.pid === srv.child.pid;
    await cap.waitFor((evs) => evs.some((e) => client(e) && e.type === 'tls_read' && e.payload.includes('py-body-123')), 5000, 'python read');
    await cap.waitFor((evs) => evs.some((e) => server(e) && e.type === 'tls_read' && e.payload.includes('py-body-123')), 5000, 'server read');
    const req = plaintext(cap.events, (e) => client(e) && e.type === 'tls_write');
    assert.match(req, /^POST \/py\/path HTTP\/1.1\r\n/);
    assert.ok(req.endsWith('\r\n\r\npy-body-123'), req);
    assert.equal(plaintext(cap.events, (e) => server(e) && e.type === 'tls_read'), req);
    const resp = plaintext(cap.events, (e) => client(e) && e.type === 'tls_read');
    assert.ok(resp.endsWith('node-server conn=1 path=/py/path body=py-body-123\n'), resp);
    assert.equal(plaintext(cap.events, (e) => server(e) && e.type === 'tls_write'), resp);
    const cw = cap.events.find((e) => client(e) && e.type === 'tls_write')!;
    const sr = cap.events.find((e) => server(e) && e.type === 'tls_read')!;
    assert.equal(cw.tlsLink, 'exact');
    assert.equal(cw.tlsLibrary, '/usr/lib/x86_64-linux-gnu/libssl.so.3');
    assert.equal(sr.tlsLink, 'inferred');
    assert.equal(sr.tlsLibrary, '/usr/bin/node');
    assert.equal(sr.remotePort, cw.localPort, 'both ends of one connection');
    assert.equal(sr.localPort, srv.port);
  } finally {
    await cap.sensor.close();
    srv.child.kill('SIGKILL');
  }
});

test('large response through node https -> curl: full lengths, truncation flagged, captured bytes exact', async () => {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const SIZE = 300_000;
  const script = path.join(cert.dir, 'big.js');
  fs.writeFileSync(script, `const https=require('https'),fs=require('fs');
const body=Buffer.alloc(${SIZE}); for (let i=0;i<body.length;i++) body[i]=97+(i*7)%26;
https.createServer({cert:fs.readFileSync(process.argv[2]),key:fs.readFileSync(process.argv[3])},(q,s)=>{s.writeHead(200,{'Content-Length':body.length});s.end(body);})
.listen(0,'127.0.0.1',function(){console.log('LISTEN',this.address().port)});`);
  const { waitForLine } = await import('./capture-helpers');
  const srv = ns.spawn('node', [script, cert.cert, cert.key]);
  const port = Number((await waitForLine(srv, /LISTEN (\d+)/))[1]);
  const cap = new Capture(ns, { maxBytes: 4096 });
  try {
    const r = await ns.run('curl', ['-s', '--http1.1', '--cacert', cert.cert, '-o', '/dev/null', '-w', '%{size_download}', `https://127.0.0.1:${port}/big`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, String(SIZE));
    const expected = Buffer.alloc(SIZE);
    for (let i = 0; i < SIZE; i++) expected[i] = 97 + ((i * 7) % 26);
    const total = (pid: number, type: string) => cap.events.filter((e) => e.pid === pid && e.type === type).reduce((n, e) => n + e.len, 0);
    await cap.waitFor(() => total(r.pid, 'tls_read') >= SIZE, 8000, 'all of the response');
    for (const [pid, type] of [[r.pid, 'tls_read'], [srv.pid!, 'tls_write']] as const) {
      const evs = cap.events.filter((e) => e.pid === pid && e.type === type);
      // The stream: response head, then the body; each event holds the first `captured` bytes of its `len`.
      let off = 0;
      let head = -1;
      for (const e of evs) {
        assert.ok(e.captured <= 4096 && e.captured === Math.min(e.len, 4096), `${type}: captured ${e.captured} of ${e.len}`);
        assert.equal(e.flags.truncated, e.len > 4096);
        const text = e.payload.toString('latin1');
        if (head < 0) {
          const end = text.indexOf('\r\n\r\n');
          if (end >= 0) {
            head = off + end + 4;
            assert.ok(expected.subarray(0, e.captured - (end + 4)).equals(e.payload.subarray(end + 4)), `${type}: first body bytes`);
          }
        } else {
          const b = off - head;
          assert.ok(e.payload.equals(expected.subarray(b, b + e.captured)), `${type}: body bytes at ${b}`);
        }
        off += e.len;
      }
      assert.ok(head > 0, `${type}: response head seen`);
      assert.equal(off - head, SIZE, `${type}: the lengths add up to the body`);
      assert.ok(evs.every((e) => e.tlsLink !== 'none'));
    }
  } finally {
    await cap.sensor.close();
    srv.kill('SIGKILL');
  }
});

test('curl -> python https over IPv6: plaintext on the v6 connection, tuple and roles', async () => {
  const srv = await startPyHttps(ns, cert, '::1');
  const cap = new Capture(ns);
  try {
    const r = await ns.run('curl', ['-s', '--http1.1', '--cacert', cert.cert, `https://[::1]:${srv.port}/v6`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${RESPONSE_BODY}/v6\n`);
    await cap.waitFor((evs) => evs.some((e) => e.pid === srv.child.pid && e.type === 'tls_write'), 5000, 'server write');
    const cw = cap.events.find((e) => e.pid === r.pid && e.type === 'tls_write')!;
    const sr = cap.events.find((e) => e.pid === srv.child.pid && e.type === 'tls_read')!;
    assert.ok(cw && sr, describeTls(cap.events));
    assert.match(cw.payload.toString('latin1'), /^GET \/v6 HTTP\/1.1\r\nHost: \[::1\]:\d+\r\n/);
    assert.equal(sr.payload.toString('latin1'), plaintext(cap.events, (e) => e.pid === r.pid && e.type === 'tls_write'));
    for (const e of [cw, sr]) {
      assert.equal(e.family, 6);
      assert.equal(e.localAddr, '::1');
      assert.equal(e.remoteAddr, '::1');
      assert.equal(e.tlsLink, 'exact');
    }
    assert.equal(cw.role, 'client');
    assert.equal(sr.role, 'server');
    assert.equal(sr.remotePort, cw.localPort);
    assert.equal(cw.remotePort, srv.port);
  } finally {
    await cap.sensor.close();
    srv.child.kill('SIGKILL');
  }
});

test('the syscalls capture path (kernels < 6.3) links TLS plaintext the same way', async () => {
  const srv = await startPyHttps(ns, cert);
  const cap = new Capture(ns, { capturePath: 'syscalls' });
  try {
    assert.equal(cap.sensor.capturePath, 'syscalls');
    const r = await ns.run('curl', ['-s', '--http1.1', '--cacert', cert.cert, `https://127.0.0.1:${srv.port}/sys-path`]);
    assert.equal(r.code, 0, r.stderr);
    await cap.waitFor((evs) => evs.some((e) => e.pid === r.pid && e.type === 'tls_read' && e.payload.includes('/sys-path\n')), 5000, 'curl read');
    const cw = cap.events.find((e) => e.pid === r.pid && e.type === 'tls_write')!;
    assert.match(cw.payload.toString('latin1'), /^GET \/sys-path HTTP\/1.1\r\n/);
    assert.equal(cw.tlsLink, 'exact');
    const tcp = cap.events.filter((e) => e.pid === r.pid && (e.type === 'send' || e.type === 'recv'));
    assert.ok(tcp.length > 0 && tcp.every((e) => e.socketCookie === cw.socketCookie && e.flags.tlsCiphertext), describe(tcp));
  } finally {
    await cap.sensor.close();
    srv.child.kill('SIGKILL');
  }
});

test('keep-alive load (wrk -> node https, 8 connections): every inferred link on the node side agrees with wrk\'s exact one', async () => {
  const { startNodeHttps } = await import('./tls-helpers');
  const srv = await startNodeHttps(ns, cert);
  const cap = new Capture(ns, { maxBytes: 256 });
  try {
    const r = await ns.run('wrk', ['-t1', '-c8', '-d1s', `https://127.0.0.1:${srv.port}/load`], 30_000);
    assert.equal(r.code, 0, r.stderr);
    const done = Number(/(\d+) requests in/.exec(r.stdout)?.[1]);
    assert.ok(done > 50, r.stdout);
    await new Promise((res) => setTimeout(res, 500));
    const c = cap.sensor.counters();
    assert.equal(c.drops, 0, 'no drops, else the sums below cannot match');
    // Bytes per connection, keyed by the client's port: wrk writes (exact links), node reads
    // (inferred); and node writes, wrk reads.
    const sum = (pid: number, type: string, port: (e: CaptureEvent) => number) => {
      const m = new Map<number, number>();
      for (const e of cap.events) if (e.pid === pid && e.type === type) m.set(port(e), (m.get(port(e)) ?? 0) + e.len);
      return m;
    };
    const wrkW = sum(r.pid, 'tls_write', (e) => e.localPort);
    const nodeR = sum(srv.child.pid!, 'tls_read', (e) => e.remotePort);
    const nodeW = sum(srv.child.pid!, 'tls_write', (e) => e.remotePort);
    const wrkR = sum(r.pid, 'tls_read', (e) => e.localPort);
    assert.equal(wrkW.size, 8, `wrk connections: ${[...wrkW.keys()]}`);
    assert.deepEqual([...nodeR.entries()].sort(), [...wrkW.entries()].sort(), 'request bytes per connection');
    // wrk stops mid-response at the deadline: it may have read less than node wrote on a connection.
    for (const [port, n] of nodeW) assert.ok((wrkR.get(port) ?? 0) <= n && n - (wrkR.get(port) ?? 0) < 4096, `response bytes on ${port}`);
    const nodeEvents = cap.events.filter((e) => e.pid === srv.child.pid && (e.type === 'tls_read' || e.type === 'tls_write'));
    assert.ok(nodeEvents.every((e) => e.tlsLink === 'inferred'), 'node links are inferred');
    assert.equal(c.tls!.unlinked, 0);
  } finally {
    await cap.sensor.close();
    srv.child.kill('SIGKILL');
  }
});

test('python asyncio client (ssl.MemoryBIO) -> python server: memory-BIO links inferred on the client', async () => {
  const srv = await startPyHttps(ns, cert);
  const cap = new Capture(ns);
  try {
    const py = String.raw`
import asyncio, ssl, sys
async def one(i, ctx):
    r, w = await asyncio.open_connection('127.0.0.1', int(sys.argv[1]), ssl=ctx)
    w.write(b'GET /aio/%d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' % i)
    await w.drain()
    data = await r.read()
    port = w.get_extra_info('sockname')[1]
    w.close()
    return i, port, data
async def main():
    ctx = ssl.create_default_context(cafile=sys.argv[2])
    for i, port, data in await asyncio.gather(*(one(i, ctx) for i in range(5))):
        print('REQ', i, port, data.endswith(b'/aio/%d\n' % i), flush=True)
asyncio.run(main())
`;
    const r = await ns.run('python3', ['-c', py, String(srv.port), cert.cert], 20_000);
    assert.equal(r.code, 0, r.stderr);
    const lines = [...r.stdout.matchAll(/^REQ (\d+) (\d+) True$/gm)];
    assert.equal(lines.length, 5, r.stdout);
    await cap.waitFor((evs) => evs.filter((e) => e.pid === r.pid && e.type === 'tls_read').length >= 5, 5000, 'client reads');
    for (const [, i, port] of lines) {
      const w = cap.events.find((e) => e.pid === r.pid && e.type === 'tls_write' && e.payload.includes(`GET /aio/${i} `));
      assert.ok(w, describeTls(cap.events));
      assert.equal(w.tlsLink, 'inferred', 'asyncio uses a memory BIO');
      assert.equal(w.localPort, Number(port), `request ${i} on its connection`);
      const rd = cap.events.filter((e) => e.pid === r.pid && e.type === 'tls_read' && e.socketCookie === w.socketCookie);
      assert.ok(plaintext(rd, () => true).endsWith(`/aio/${i}\n`), `response ${i} on the same socket`);
    }
  } finally {
    await cap.sensor.close();
    srv.child.kill('SIGKILL');
  }
});
