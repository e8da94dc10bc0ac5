// Real kernel, real processes: curl, python, node and a C client talk to servers inside a private
// network namespace; the sensor (filtered to that namespace) must report who sent and received
// exactly which bytes, on which connection, in which role.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { CaptureEvent } from '../src/capture';
import { Capture, Netns, PY_SERVER, describe, payloadOf, waitForLine } from './capture-helpers';

let ns: Netns;
before(() => {
  ns = new Netns();
});
after(() => ns?.remove());

async function startServer(host: string, mode: 'http' | 'echo') {
  const child = ns.spawn('python3', ['-c', PY_SERVER, host, mode]);
  const m = await waitForLine(child, /LISTEN (\d+)/);
  return { child, port: Number(m[1]) };
}

test('curl over IPv4: request and response bytes, pids, roles and tuple', async () => {
  const srv = await startServer('127.0.0.1', 'http');
  const cap = new Capture(ns);
  try {
    const r = await ns.run('curl', ['-s', '-H', 'X-Proctap: basic-v4', `http://127.0.0.1:${srv.port}/hello?x=1`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hello from proctap test\n');
    const isCurl = (e: CaptureEvent) => e.pid === r.pid;
    await cap.waitFor((evs) => evs.some((e) => isCurl(e) && e.type === 'recv' && e.payload.includes('hello from proctap')), 5000, 'curl recv');

    const sends = cap.events.filter((e) => isCurl(e) && e.type === 'send');
    assert.ok(sends.length >= 1, describe(cap.events));
    const req = payloadOf(cap.events, (e) => isCurl(e) && e.type === 'send').toString('latin1');
    assert.match(req, new RegExp(`^GET /hello\\?x=1 HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\n`));
    assert.match(req, /X-Proctap: basic-v4\r\n\r\n$/);
    const s = sends[0];
    assert.equal(s.comm, 'curl');
    assert.equal(s.role, 'client');
    assert.equal(s.family, 4);
    assert.equal(s.localAddr, '127.0.0.1');
    assert.equal(s.remoteAddr, '127.0.0.1');
    assert.equal(s.remotePort, srv.port);
    assert.ok(s.localPort > 0 && s.localPort !== srv.port);
    assert.equal(s.netnsIno, ns.inode);
    assert.equal(s.len, s.captured);
    assert.ok(Math.abs(s.timeMs - Date.now()) < 60_000, `timeMs ${s.timeMs}`);

    // The server (python3) received exactly what curl sent, on the mirrored tuple, as the server.
    const srvRecv = cap.events.filter((e) => e.pid === srv.child.pid && e.type === 'recv' && e.localPort === srv.port);
    assert.ok(srvRecv.length >= 1, describe(cap.events));
    assert.equal(Buffer.concat(srvRecv.map((e) => e.payload)).toString('latin1'), req);
    assert.equal(srvRecv[0].comm, 'python3');
    assert.equal(srvRecv[0].role, 'server');
    assert.equal(srvRecv[0].remotePort, s.localPort);

    // curl read the full response, and the server sent it.
    const resp = payloadOf(cap.events, (e) => isCurl(e) && e.type === 'recv').toString('latin1');
    assert.match(resp, /^HTTP\/1.1 200 OK\r\n/);
    assert.ok(resp.endsWith('hello from proctap test\n'));
    assert.equal(payloadOf(cap.events, (e) => e.pid === srv.child.pid && e.type === 'send').toString('latin1'), resp);

    // Connection lifecycle: connect in curl, established with the full tuple, close.
    await cap.waitFor((evs) => evs.some((e) => e.type === 'close' && e.pid === r.pid), 5000, 'close');
    const connect = cap.events.find((e) => e.type === 'connect' && e.pid === r.pid);
    assert.ok(connect, describe(cap.events));
    assert.equal(connect.comm, 'curl');
    const est = cap.events.find((e) => e.type === 'established' && e.socketCookie === s.socketCookie);
    assert.ok(est, describe(cap.events));
    assert.equal(est.role, 'client');
    assert.equal(est.pid, r.pid);
    assert.equal(est.localPort, s.localPort);
    const close = cap.events.find((e) => e.type === 'close' && e.socketCookie === s.socketCookie);
    assert.ok(close);
    assert.equal(close.localPort, s.localPort, 'close keeps the tuple saved at established');
    assert.ok(cap.events.some((e) => e.type === 'established' && e.role === 'server' && e.localPort === srv.port));
  } finally {
    await cap.sensor.close();
    srv.child.kill();
  }
});
