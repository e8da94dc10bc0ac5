// Real kernel, real processes: curl, python, node and a C client talk to servers inside a private
// network namespace; the sensor (filtered to that namespace) must report who sent and received
// exactly which bytes, on which connection, in which role.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { CaptureEvent } from '../src/capture';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Capture, Netns, buildCClient, cMessages, describe, payloadOf, startPyServer, tmpDir } from './capture-helpers';

// The primary path (socket tracepoints) and the fallback for older kernels (syscalls) both run here.
const PATHS = ['sock-tracepoints', 'syscalls'] as const;

let ns: Netns;
before(() => {
  ns = new Netns();
});
after(() => ns?.remove());

const startServer = (host: string, mode: 'http' | 'echo' | 'late') => startPyServer(ns, host, mode);

for (const capturePath of PATHS) {
test(`curl over IPv4: request and response bytes, pids, roles and tuple (${capturePath})`, async () => {
  const srv = await startServer('127.0.0.1', 'http');
  const cap = new Capture(ns, { capturePath });
  assert.equal(cap.sensor.capturePath, capturePath);
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
    // The server socket's close names the server process (learnt from its first send/recv).
    await cap.waitFor(
      (evs) => evs.some((e) => e.type === 'close' && e.role === 'server' && e.remotePort === s.localPort),
      5000,
      'server close',
    );
    const srvClose = cap.events.find((e) => e.type === 'close' && e.role === 'server' && e.remotePort === s.localPort)!;
    assert.equal(srvClose.pid, srv.child.pid);
    assert.equal(srvClose.comm, 'python3');
  } finally {
    await cap.sensor.close();
    srv.child.kill();
  }
});
}

for (const capturePath of PATHS)
for (const [host, family] of [['127.0.0.1', 4], ['::1', 6]] as const) {
  test(`C client over IPv${family}: write/send/sendto/sendmsg/writev and read/recv/recvfrom/recvmsg/readv byte-exact (${capturePath})`, async () => {
    const bin = buildCClient('ptclient');
    const srv = await startServer(host, 'echo');
    const cap = new Capture(ns, { capturePath });
    try {
      const r = await ns.run(bin, [host, String(srv.port)]);
      assert.equal(r.code, 0, r.stderr);
      const msgs = cMessages(host);
      const all = msgs.join('');
      const mine = (e: CaptureEvent) => e.pid === r.pid;
      await cap.waitFor(
        (evs) => payloadOf(evs, (e) => mine(e) && e.type === 'recv').length >= all.length,
        5000,
        'client reads',
      );
      const sends = cap.events.filter((e) => mine(e) && e.type === 'send');
      // One send event per syscall, each exactly the message, in order.
      assert.deepEqual(
        sends.map((e) => e.payload.toString('latin1')),
        msgs,
        describe(cap.events),
      );
      for (const e of sends) {
        assert.equal(e.comm, 'ptclient');
        assert.equal(e.role, 'client');
        assert.equal(e.family, family);
        assert.equal(e.remoteAddr, host);
        assert.equal(e.localAddr, host);
        assert.equal(e.remotePort, srv.port);
        assert.equal(e.len, e.captured);
        assert.equal(e.flags.truncated, false);
      }
      assert.equal(payloadOf(cap.events, (e) => mine(e) && e.type === 'recv').toString('latin1'), all);
      // The echo server saw the same bytes in and out, as the server end.
      const srvIn = cap.events.filter((e) => e.pid === srv.child.pid && e.type === 'recv');
      assert.equal(Buffer.concat(srvIn.map((e) => e.payload)).toString('latin1'), all);
      assert.ok(srvIn.every((e) => e.role === 'server' && e.localPort === srv.port && e.comm === 'python3'));
      assert.equal(payloadOf(cap.events, (e) => e.pid === srv.child.pid && e.type === 'send').toString('latin1'), all);
    } finally {
      await cap.sensor.close();
      srv.child.kill();
      fs.rmSync(path.dirname(bin), { recursive: true, force: true });
    }
  });
}

test('curl over IPv6 to a dual-stack server: v6 client tuple, v4-mapped peers shown as IPv4', async () => {
  const srv = await startServer('::', 'http');
  const cap = new Capture(ns);
  try {
    const r6 = await ns.run('curl', ['-s', '-g', `http://[::1]:${srv.port}/six`]);
    assert.equal(r6.code, 0, r6.stderr);
    const r4 = await ns.run('curl', ['-s', `http://127.0.0.1:${srv.port}/four`]);
    assert.equal(r4.code, 0, r4.stderr);
    await cap.waitFor(
      (evs) => [r6.pid, r4.pid].every((p) => evs.some((e) => e.pid === p && e.type === 'recv')),
      5000,
      'both curls',
    );
    const s6 = cap.events.find((e) => e.pid === r6.pid && e.type === 'send');
    assert.ok(s6);
    assert.equal(s6.family, 6);
    assert.equal(s6.remoteAddr, '::1');
    assert.match(s6.payload.toString('latin1'), /^GET \/six HTTP/);
    // The server's accepted socket is AF_INET6 with peer ::ffff:127.0.0.1: reported as plain v4.
    const srv4 = cap.events.find((e) => e.pid === srv.child.pid && e.type === 'recv' && e.payload.includes('/four'));
    assert.ok(srv4, describe(cap.events));
    assert.equal(srv4.family, 4);
    assert.equal(srv4.remoteAddr, '127.0.0.1');
    assert.equal(srv4.localAddr, '127.0.0.1');
    const srv6 = cap.events.find((e) => e.pid === srv.child.pid && e.type === 'recv' && e.payload.includes('/six'));
    assert.ok(srv6);
    assert.equal(srv6.family, 6);
    assert.equal(srv6.remoteAddr, '::1');
  } finally {
    await cap.sensor.close();
    srv.child.kill();
  }
});

test('python and node clients: pid, comm and exact bytes', async () => {
  const srv = await startServer('127.0.0.1', 'echo');
  const cap = new Capture(ns);
  try {
    const py = await ns.run('python3', [
      '-c',
      'import socket,sys\ns=socket.create_connection(("127.0.0.1",int(sys.argv[1])))\ns.sendall(b"python says hi")\nprint(s.recv(100).decode())',
      String(srv.port),
    ]);
    assert.equal(py.code, 0, py.stderr);
    const nodeScript =
      'const c=require("net").connect(+process.argv[1],"127.0.0.1",()=>c.write("node says hi"));c.on("data",d=>{console.log(String(d));c.end()})';
    const nd = await ns.run(process.execPath, ['-e', nodeScript, String(srv.port)]);
    assert.equal(nd.code, 0, nd.stderr);
    await cap.waitFor(
      (evs) => [py.pid, nd.pid].every((p) => evs.some((e) => e.pid === p && e.type === 'recv')),
      5000,
      'python and node reads',
    );
    const pySend = cap.events.filter((e) => e.pid === py.pid && e.type === 'send');
    assert.deepEqual(pySend.map((e) => e.payload.toString()), ['python says hi']);
    assert.equal(pySend[0].comm, 'python3');
    assert.equal(pySend[0].role, 'client');
    assert.equal(payloadOf(cap.events, (e) => e.pid === py.pid && e.type === 'recv').toString(), 'python says hi');
    const ndSend = cap.events.filter((e) => e.pid === nd.pid && e.type === 'send');
    assert.equal(Buffer.concat(ndSend.map((e) => e.payload)).toString(), 'node says hi');
    assert.equal(ndSend[0].comm, 'node');
    assert.equal(ndSend[0].role, 'client');
    // The process facts come from /proc while the process lives; the echo server is still running.
    const srvEv = cap.events.find((e) => e.pid === srv.child.pid);
    assert.ok(srvEv?.process, 'server process facts');
    assert.equal(srvEv.process.exe !== undefined && /python3/.test(srvEv.process.exe), true);
    assert.match(srvEv.process.cmdline?.[0] ?? '', /python3$/);
    assert.equal(srvEv.process.ppid !== undefined && srvEv.process.ppid > 0, true);
  } finally {
    await cap.sensor.close();
    srv.child.kill();
  }
});

test('payloads above the cap are truncated and flagged; len stays the full length', async () => {
  const srv = await startServer('127.0.0.1', 'echo');
  const cap = new Capture(ns, { maxBytes: 4096 });
  try {
    const size = 100_000;
    const r = await ns.run('python3', [
      '-c',
      'import socket,sys\nn=int(sys.argv[2])\ns=socket.create_connection(("127.0.0.1",int(sys.argv[1])))\ndata=bytes((i*7+3)%251 for i in range(n))\nsent=s.send(data)\nprint(sent)',
      String(srv.port),
      String(size),
    ]);
    assert.equal(r.code, 0, r.stderr);
    const sent = Number(r.stdout.trim());
    assert.ok(sent > 4096, `python sent ${sent}`);
    await cap.waitFor((evs) => evs.some((e) => e.pid === r.pid && e.type === 'send'), 5000, 'big send');
    const e = cap.events.find((x) => x.pid === r.pid && x.type === 'send')!;
    assert.equal(e.len, sent);
    assert.equal(e.captured, 4096);
    assert.equal(e.flags.truncated, true);
    const expected = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7 + 3) % 251));
    assert.ok(e.payload.equals(expected), 'the first 4096 bytes exactly');
    assert.ok(cap.sensor.counters().truncated >= 1);
    // Small sends are not flagged.
    assert.ok(cap.events.filter((x) => x.type === 'send' && x.len <= 4096).every((x) => !x.flags.truncated));
  } finally {
    await cap.sensor.close();
    srv.child.kill();
  }
});

test('async iteration yields the events and ends once the sensor is closed', async () => {
  const srv = await startServer('127.0.0.1', 'echo');
  const { Sensor } = await import('../src/capture');
  const sensor = new Sensor({ filter: { include: { netns: [ns.inode] } } });
  const seen: CaptureEvent[] = [];
  const consumer = (async () => {
    for await (const ev of sensor) seen.push(ev);
  })();
  try {
    const r = await ns.run('python3', [
      '-c',
      'import socket,sys\ns=socket.create_connection(("127.0.0.1",int(sys.argv[1])))\ns.sendall(b"iterate me")\ns.recv(100)',
      String(srv.port),
    ]);
    assert.equal(r.code, 0, r.stderr);
    const end = Date.now() + 5000;
    while (!seen.some((e) => e.pid === r.pid && e.type === 'recv') && Date.now() < end) await new Promise((x) => setTimeout(x, 25));
    await sensor.close();
    await consumer; // the loop ends by itself after close
    assert.deepEqual(
      seen.filter((e) => e.pid === r.pid && e.type === 'send').map((e) => e.payload.toString()),
      ['iterate me'],
    );
    assert.equal(payloadOf(seen, (e) => e.pid === r.pid && e.type === 'recv').toString(), 'iterate me');
  } finally {
    await sensor.close();
    srv.child.kill();
  }
});

test('syscalls path: a read that began before the sensor attached is counted as a miss, not lost silently', async () => {
  const srv = await startServer('127.0.0.1', 'late');
  // The client blocks in recv() at once; the server answers 2 s later.
  const client = ns.spawn('python3', [
    '-c',
    'import socket,sys\ns=socket.create_connection(("127.0.0.1",int(sys.argv[1])))\nprint("READY",flush=True)\nprint(s.recv(100).decode())',
    String(srv.port),
  ]);
  const { collectExit, waitForLine } = await import('./capture-helpers');
  const done = collectExit(client, 15_000);
  await waitForLine(client, /READY/);
  const cap = new Capture(ns, { capturePath: 'syscalls' });
  try {
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /late reply/);
    await cap.waitFor((evs) => evs.some((e) => e.pid === srv.child.pid && e.type === 'send'), 5000, 'server send');
    const c = await cap.sensor.close();
    assert.ok(!cap.events.some((e) => e.pid === r.pid && e.type === 'recv'), 'the early read cannot be captured');
    assert.ok(c.syscallMisses >= 1, `syscallMisses ${c.syscallMisses}`);
    assert.equal(payloadOf(cap.events, (e) => e.pid === srv.child.pid && e.type === 'send').toString(), 'late reply');
  } finally {
    await cap.sensor.close();
    srv.child.kill();
  }
});

test('sendfile has no user buffer: flagged no-payload with its length; MSG_PEEK reads are flagged peek', async () => {
  const srv = await startServer('127.0.0.1', 'echo');
  const cap = new Capture(ns);
  const dir = tmpDir();
  const file = path.join(dir, 'data.bin');
  fs.writeFileSync(file, Buffer.alloc(5000, 0x61));
  try {
    const r = await ns.run('python3', [
      '-c',
      [
        'import socket,sys',
        's=socket.create_connection(("127.0.0.1",int(sys.argv[1])))',
        'f=open(sys.argv[2],"rb")',
        'n=0',
        'while n<5000: n+=__import__("os").sendfile(s.fileno(),f.fileno(),n,5000-n)',
        'got=b""',
        'while len(got)<5000: got+=s.recv(65536)',
        's.sendall(b"peek-me")',
        'import time; time.sleep(0.2)',
        'p=s.recv(100,socket.MSG_PEEK)',
        'q=s.recv(100)',
        'print(len(got),p,q)',
      ].join('\n'),
      String(srv.port),
      file,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^5000 b'peek-me' b'peek-me'/);
    await cap.waitFor((evs) => evs.filter((e) => e.pid === r.pid && e.type === 'recv' && e.payload.toString() === 'peek-me').length >= 2, 5000, 'peek + read');
    const sf = cap.events.filter((e) => e.pid === r.pid && e.type === 'send' && e.flags.noPayload);
    assert.ok(sf.length >= 1, describe(cap.events));
    assert.equal(sf.reduce((a, e) => a + e.len, 0), 5000);
    assert.ok(sf.every((e) => e.captured === 0 && !e.flags.truncated));
    const reads = cap.events.filter((e) => e.pid === r.pid && e.type === 'recv' && e.payload.toString() === 'peek-me');
    assert.equal(reads[0].flags.peek, true);
    assert.equal(reads[1].flags.peek, false);
    assert.ok(cap.sensor.counters().noPayload >= 1);
  } finally {
    await cap.sensor.close();
    srv.child.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
