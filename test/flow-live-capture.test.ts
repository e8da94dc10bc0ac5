// The live path end to end: the real sensor (eBPF, this kernel) in a private network namespace,
// real curl against a real python HTTP/1.1 keep-alive server and a python HTTPS server; events go
// straight into a LivePipeline; the transactions must come out paired, per socket, with process
// facts, and for HTTPS from the plaintext (the ciphertext replaced).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Capture, Netns, sleep, tmpDir, waitForLine } from './capture-helpers';
import { makeCert, startPyHttps, type Cert } from './tls-helpers';
import { LivePipeline, type PipelineEvent } from '../src/pipeline';
import type { HttpTransaction } from '../src/protocols/http/types';

const KEEPALIVE_SERVER = String.raw`
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def reply(self, body):
        self.send_response(200)
        self.send_header('Content-Type', 'text/plain')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        self.reply(('got ' + self.path + '\n').encode())
    def do_POST(self):
        n = int(self.headers.get('Content-Length', '0'))
        data = self.rfile.read(n)
        self.reply(b'posted ' + data + b'\n')
    def log_message(self, *a):
        pass
srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
print('LISTEN', srv.server_address[1], flush=True)
srv.serve_forever()
`;

let ns: Netns;
let cert: Cert;
before(() => {
  ns = new Netns();
  cert = makeCert();
});
after(() => ns?.remove());

function live(cap: Capture) {
  const events: PipelineEvent[] = [];
  /** Stream chunks seen while their flow already carried TLS plaintext (must stay empty). */
  const cipherAfterSwitch: PipelineEvent[] = [];
  const pipe = new LivePipeline((e) => {
    events.push(e);
    if (e.kind === 'stream' && e.chunk.flow.tls) cipherAfterSwitch.push(e);
  });
  cap.sensor.onEvents((evs) => {
    for (const e of evs) pipe.push(e);
  });
  const txs = (): HttpTransaction[] => events.flatMap((e) => (e.kind === 'http-response' ? [e.tx] : []));
  return { pipe, events, txs, cipherAfterSwitch };
}

test('curl keep-alive against python: both sockets give the same paired transactions', async () => {
  const dir = tmpDir();
  const script = path.join(dir, 'server.py');
  fs.writeFileSync(script, KEEPALIVE_SERVER);
  const srv = ns.spawn('python3', [script]);
  const port = Number((await waitForLine(srv, /LISTEN (\d+)/))[1]);
  const cap = new Capture(ns);
  const { pipe, events, txs } = live(cap);
  try {
    // Two URLs on one connection (curl reuses it), then a POST with a body.
    const r = await ns.run('curl', ['-s', '--http1.1', `http://127.0.0.1:${port}/one?a=1`, `http://127.0.0.1:${port}/two`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'got /one?a=1\ngot /two\n');
    const p = await ns.run('curl', ['-s', '--http1.1', '-d', 'k=v&x=y', `http://127.0.0.1:${port}/form`]);
    assert.equal(p.stdout, 'posted k=v&x=y\n');
    const want = (n: number) => txs().filter((t) => t.flow.process?.pid === n).length;
    const end = Date.now() + 5000;
    while ((want(r.pid) < 2 || want(p.pid) < 1 || txs().filter((t) => t.flow.process?.pid === srv.pid).length < 3) && Date.now() < end) await sleep(25);
    pipe.flush();

    const clientTx = txs().filter((t) => t.flow.process?.pid === r.pid);
    assert.deepEqual(clientTx.map((t) => [t.index, t.request!.method, t.request!.uri, t.response!.status, t.response!.body.toString()]), [
      [0, 'GET', '/one?a=1', 200, 'got /one?a=1\n'],
      [1, 'GET', '/two', 200, 'got /two\n'],
    ]);
    assert.equal(clientTx[0].flow.id, clientTx[1].flow.id, 'one connection');
    assert.equal(clientTx[0].flow.localRole, 'client');
    assert.equal(clientTx[0].flow.process?.comm, 'curl');
    assert.equal(clientTx[0].flow.server.port, port);

    const serverTx = txs().filter((t) => t.flow.process?.pid === srv.pid);
    assert.deepEqual(serverTx.map((t) => `${t.request!.method} ${t.request!.uri} -> ${t.response!.body.toString().trim()}`).sort(), [
      'GET /one?a=1 -> got /one?a=1',
      'GET /two -> got /two',
      'POST /form -> posted k=v&x=y',
    ]);
    for (const t of serverTx) {
      assert.equal(t.flow.localRole, 'server');
      assert.equal(t.flow.process?.comm, 'python3');
    }
    const post = serverTx.find((t) => t.request!.method === 'POST')!;
    assert.equal(post.request!.body.toString(), 'k=v&x=y');
    assert.ok(events.some((e) => e.kind === 'flow-end'));
    assert.equal(pipe.counters().live_bytes_lost, 0);
  } finally {
    await cap.sensor.close();
    srv.kill('SIGKILL');
  }
});

test('curl https against python: the transaction comes from the TLS plaintext', async () => {
  const srv = await startPyHttps(ns, cert);
  const cap = new Capture(ns);
  const { pipe, events, txs, cipherAfterSwitch } = live(cap);
  try {
    const r = await ns.run('curl', ['-s', '--http1.1', '--cacert', cert.cert, `https://127.0.0.1:${srv.port}/tls/path?q=1`]);
    assert.equal(r.code, 0, r.stderr);
    const end = Date.now() + 5000;
    while (txs().filter((t) => t.flow.process?.pid === r.pid).length < 1 && Date.now() < end) await sleep(25);
    pipe.flush();
    const tx = txs().find((t) => t.flow.process?.pid === r.pid);
    assert.ok(tx, `no transaction for curl: ${events.map((e) => e.kind).join(',')}`);
    assert.equal(tx.request!.uri, '/tls/path?q=1');
    assert.equal(tx.response!.status, 200);
    assert.match(tx.response!.body.toString(), /\/tls\/path\?q=1/);
    assert.equal(tx.flow.tls, true);
    assert.equal(tx.flow.tlsLink, 'exact');
    // No encrypted application data was inspected as a raw stream after the switch.
    assert.equal(cipherAfterSwitch.length, 0);
    assert.ok(pipe.counters().live_ciphertext_ignored > 0);
  } finally {
    await cap.sensor.close();
    srv.child.kill('SIGKILL');
  }
});
