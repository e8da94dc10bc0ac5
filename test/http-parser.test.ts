// HTTP/1.x parsing: any chunking gives the same transactions; framing, pairing and anomalies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { runSession, splitters, summary, type Step } from './http-helpers';
import type { HttpSessionEvent } from '../src/protocols/http/session';

const REQS = [
  'GET /index.html?q=1 HTTP/1.1\r\nHost: example.test\r\nUser-Agent: t/1\r\nAccept: */*\r\nX-Dup: a\r\nX-Dup: b\r\n\r\n',
  'POST /form HTTP/1.1\r\nHost: example.test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 11\r\n\r\nname=value&',
  'POST /up HTTP/1.1\r\nHost: example.test\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n',
  'HEAD /h HTTP/1.1\r\nHost: example.test\r\n\r\n',
];
const RESPS = [
  'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nhello',
  'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
  'HTTP/1.1 204 No Content\r\n\r\n',
  'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n',
];

function corpus(): Step[] {
  // Pipelined: all requests first, then all responses.
  return [
    { dir: 'to_server', data: REQS.join('') },
    { dir: 'to_client', data: RESPS.join('') },
  ];
}

function reqs(ev: HttpSessionEvent[]) {
  return ev.flatMap((e) => (e.kind === 'http-request' ? [e.tx] : []));
}
function resps(ev: HttpSessionEvent[]) {
  return ev.flatMap((e) => (e.kind === 'http-response' ? [e.tx] : []));
}

test('any chunking of the same streams gives the same transactions', () => {
  const base = summary(runSession(corpus()));
  assert.equal(base.length, 9); // 8 events + the raw-stream summary
  for (let seed = 1; seed <= 20; seed++) {
    for (const split of splitters(seed)) {
      assert.deepEqual(summary(runSession(corpus(), split)), base);
    }
  }
});

test('pipelined requests pair with responses in order; HEAD, 1xx, 204 have no body', () => {
  const ev = runSession(corpus());
  const r = resps(ev);
  assert.deepEqual(r.map((t) => [t.request!.method, t.request!.uri, t.response!.status]), [
    ['GET', '/index.html?q=1', 200],
    ['POST', '/form', 201],
    ['POST', '/up', 204],
    ['HEAD', '/h', 200],
  ]);
  // HEAD response with Content-Length: 1000 has no body.
  assert.equal(r[3].response!.bodyLength, 0);
  assert.equal(r[3].response!.complete, true);
  // The 100 Continue is kept as an interim response of the POST.
  assert.deepEqual(r[1].interim?.map((i) => i.status), [100]);
  assert.equal(r[1].response!.body.toString(), 'abc');
  // Request bodies: Content-Length and chunked with extension and trailer.
  assert.equal(r[1].request!.body.toString(), 'name=value&');
  assert.equal(r[2].request!.body.toString(), 'hello world');
  assert.deepEqual(r[2].request!.trailers, [{ name: 'X-Trailer', value: 't' }]);
  // Header order, duplicates and raw bytes kept.
  assert.deepEqual(r[0].request!.headers.map((h) => h.name), ['Host', 'User-Agent', 'Accept', 'X-Dup', 'X-Dup']);
  assert.equal(r[0].request!.rawHeaders.toString(), REQS[0].slice(REQS[0].indexOf('\r\n') + 2));
  assert.equal(r[0].request!.line.toString(), 'GET /index.html?q=1 HTTP/1.1');
  assert.deepEqual(r[0].response!.headers.filter((h) => h.name === 'Set-Cookie').map((h) => h.value), ['a=1', 'b=2']);
  // Requests come out before their responses.
  const order = ev.map((e) => `${e.kind}:${e.kind === 'stream' ? '' : e.tx.index}`);
  for (let i = 0; i < 4; i++) assert.ok(order.indexOf(`http-request:${i}`) < order.indexOf(`http-response:${i}`));
});

test('keep-alive: request/response alternating on one connection', () => {
  const steps: Step[] = [];
  for (let i = 0; i < 5; i++) {
    steps.push({ dir: 'to_server', data: `GET /k${i} HTTP/1.1\r\nHost: h\r\n\r\n` });
    steps.push({ dir: 'to_client', data: `HTTP/1.1 200 OK\r\nContent-Length: ${i}\r\n\r\n${'x'.repeat(i)}` });
  }
  const r = resps(runSession(steps));
  assert.deepEqual(r.map((t) => [t.index, t.request!.uri, t.response!.body.toString()]), [0, 1, 2, 3, 4].map((i) => [i, `/k${i}`, 'x'.repeat(i)]));
});

test('read-until-close response body completes at flow end', () => {
  const ev = runSession([
    { dir: 'to_server', data: 'GET / HTTP/1.0\r\n\r\n' },
    { dir: 'to_client', data: 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of this until close' },
  ]);
  const r = resps(ev);
  assert.equal(r.length, 1);
  assert.equal(r[0].response!.body.toString(), 'all of this until close');
  assert.equal(r[0].response!.framing, 'until-close');
  assert.equal(r[0].response!.complete, true);
});

test('gzip, deflate (zlib and raw) and br bodies are decoded', () => {
  const text = 'decoded body '.repeat(100);
  for (const [coding, enc] of [
    ['gzip', zlib.gzipSync(text)],
    ['deflate', zlib.deflateSync(text)],
    ['deflate', zlib.deflateRawSync(text)],
    ['br', zlib.brotliCompressSync(text)],
  ] as const) {
    const head = `HTTP/1.1 200 OK\r\nContent-Encoding: ${coding}\r\nContent-Length: ${enc.length}\r\n\r\n`;
    const r = resps(runSession([{ dir: 'to_server', data: 'GET / HTTP/1.1\r\n\r\n' }, { dir: 'to_client', data: Buffer.concat([Buffer.from(head), enc]) }]));
    assert.equal(r[0].response!.decodedBody.toString(), text, coding);
    assert.equal(r[0].response!.body.length, enc.length);
    assert.deepEqual(r[0].response!.contentEncoding, [coding]);
  }
});

test('a decompression bomb stops at the decode cap', () => {
  const bomb = zlib.gzipSync(Buffer.alloc(64 << 20)); // 64 MiB of zeros, ~64 KiB compressed
  const head = `HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${bomb.length}\r\n\r\n`;
  const t0 = process.hrtime.bigint();
  const r = resps(runSession([{ dir: 'to_server', data: 'GET / HTTP/1.1\r\n\r\n' }, { dir: 'to_client', data: Buffer.concat([Buffer.from(head), bomb]) }], undefined, { decodeCap: 1 << 20 }));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const resp = r[0].response!;
  assert.ok(resp.decodedBody.length <= 1 << 20, `decoded ${resp.decodedBody.length}`);
  assert.ok(resp.decodedBody.length >= 256 << 10, `decoded only ${resp.decodedBody.length}`);
  assert.ok(r[0].anomalies.some((a) => a.kind === 'decompression_capped'));
  assert.ok(ms < 5000, `took ${ms} ms`);
});
