// HTTP/1.x body framing edge cases: chunked forms, tunnels, early answers, gaps, pipelining order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSession, splitters, summary, type Step } from './http-helpers';
import type { HttpSessionEvent } from '../src/protocols/http/session';
import type { HttpTransaction } from '../src/protocols/http/types';

const reqs = (ev: HttpSessionEvent[]) => ev.flatMap((e) => (e.kind === 'http-request' ? [e.tx] : []));
const resps = (ev: HttpSessionEvent[]) => ev.flatMap((e) => (e.kind === 'http-response' ? [e.tx] : []));
const kinds = (tx: HttpTransaction) => tx.anomalies.map((a) => a.kind);

/** Same result for every splitter: the split-invariance check applied to each case. */
function stable(steps: Step[]): HttpSessionEvent[] {
  const base = runSession(steps);
  const want = summary(base);
  for (const split of splitters(7)) assert.deepEqual(summary(runSession(steps, split)), want);
  return base;
}

test('chunked: extensions, uppercase hex, leading zeros, trailers, empty trailer section', () => {
  const body = '1A;name=value;x="q"\r\n' + 'a'.repeat(26) + '\r\n' + '0005\r\nbcdef\r\n0;last\r\nTrailer-One: 1\r\nTrailer-Two: 2\r\n\r\n';
  const ev = stable([{ dir: 'to_server', data: 'POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n' + body + 'GET /next HTTP/1.1\r\n\r\n' }]);
  const r = reqs(ev);
  assert.equal(r.length, 2);
  assert.equal(r[0].request!.body.toString(), 'a'.repeat(26) + 'bcdef');
  assert.equal(r[0].request!.bodyLength, 31);
  assert.deepEqual(r[0].request!.trailers.map((h) => h.name), ['Trailer-One', 'Trailer-Two']);
  assert.deepEqual(kinds(r[0]), []);
  assert.equal(r[1].request!.uri, '/next');
});

test('chunked: invalid size in a request ends the message, and parsing resumes at the next request line', () => {
  const ev = stable([{ dir: 'to_server', data: 'POST /bad HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nGARBAGE\r\nGET /resumed HTTP/1.1\r\nHost: h\r\n\r\n' }]);
  const r = reqs(ev);
  assert.deepEqual(r.map((t) => t.request!.uri), ['/bad', '/resumed']);
  assert.ok(kinds(r[0]).includes('invalid_chunk_size'));
  assert.equal(r[0].request!.complete, false);
  assert.equal(r[1].request!.complete, true);
});

test('chunked: a size too large for any real body is invalid, not a huge wait', () => {
  const ev = stable([{ dir: 'to_server', data: 'POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\nabc\r\nGET /y HTTP/1.1\r\n\r\n' }]);
  assert.deepEqual(reqs(ev).map((t) => t.request!.uri), ['/x', '/y']);
  assert.ok(kinds(reqs(ev)[0]).includes('invalid_chunk_size'));
});

test('chunked: lenient sizes (leading space, trailing junk) are accepted and flagged', () => {
  const ev = stable([
    { dir: 'to_server', data: 'GET / HTTP/1.1\r\n\r\n' },
    { dir: 'to_client', data: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n 3\r\nabc\r\n2x\r\nde\r\n0\r\n\r\n' },
  ]);
  const r = resps(ev);
  assert.equal(r[0].response!.body.toString(), 'abcde');
  assert.ok(kinds(r[0]).includes('invalid_chunk_size'));
});

test('chunked response that is not chunked at all: the bytes are the body, read until close', () => {
  const ev = stable([
    { dir: 'to_server', data: 'GET / HTTP/1.1\r\n\r\n' },
    { dir: 'to_client', data: 'HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nplain body, no chunks\r\nmore' },
  ]);
  const r = resps(ev);
  assert.equal(r[0].response!.body.toString(), 'plain body, no chunks\r\nmore');
  assert.equal(r[0].response!.framing, 'until-close');
  assert.ok(kinds(r[0]).includes('invalid_chunk_size'));
});

test('chunked: missing CRLF after chunk data is flagged, the parse carries on', () => {
  const ev = stable([{ dir: 'to_server', data: 'POST /m HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc4\r\ndefg\r\n0\r\n\r\n' }]);
  const r = reqs(ev);
  assert.equal(r[0].request!.body.toString(), 'abcdefg');
  assert.ok(kinds(r[0]).includes('invalid_chunk_framing'));
});

test('Upgrade: after 101 both directions are raw stream, with their stream offsets', () => {
  const reqHead = 'GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';
  const respHead = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';
  const ev = stable([
    { dir: 'to_server', data: reqHead + '\x81\x05hello' }, // client frame sent right after (held until the answer)
    { dir: 'to_client', data: respHead + '\x81\x02hi' },
    { dir: 'to_server', data: 'more client bytes' },
  ]);
  const r = resps(ev);
  assert.equal(r.length, 1);
  assert.equal(r[0].tunnel, 'upgrade');
  const streams = ev.flatMap((e) => (e.kind === 'stream' ? [e.chunk] : []));
  const to = (d: string) => streams.filter((c) => c.dir === d).map((c) => c.data.toString('latin1')).join('');
  assert.equal(to('to_server'), '\x81\x05hellomore client bytes');
  assert.equal(to('to_client'), '\x81\x02hi');
  assert.equal(streams.find((c) => c.dir === 'to_server')!.offset, reqHead.length);
  assert.equal(streams.find((c) => c.dir === 'to_client')!.offset, respHead.length);
});

test('Upgrade refused: the held client bytes are parsed as HTTP again', () => {
  const ev = stable([
    { dir: 'to_server', data: 'GET /a HTTP/1.1\r\nUpgrade: h2c\r\n\r\nGET /b HTTP/1.1\r\n\r\n' },
    { dir: 'to_client', data: 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb' },
  ]);
  assert.deepEqual(resps(ev).map((t) => [t.request!.uri, t.response!.body.toString(), t.tunnel]), [
    ['/a', 'a', undefined],
    ['/b', 'b', undefined],
  ]);
  assert.equal(ev.filter((e) => e.kind === 'stream').length, 0);
});

test('CONNECT 200 makes a tunnel; CONNECT 407 does not', () => {
  const ok = stable([
    { dir: 'to_server', data: 'CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n\x16\x03\x01client-hello' },
    { dir: 'to_client', data: 'HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x03server-hello' },
  ]);
  assert.equal(resps(ok)[0].tunnel, 'connect');
  assert.equal(resps(ok)[0].request!.uri, 'example.test:443');
  assert.deepEqual(ok.flatMap((e) => (e.kind === 'stream' ? [e.chunk.data.toString('latin1')] : [])).sort(), ['\x16\x03\x01client-hello', '\x16\x03\x03server-hello'].sort());

  const denied = stable([
    { dir: 'to_server', data: 'CONNECT example.test:443 HTTP/1.1\r\n\r\n' },
    { dir: 'to_client', data: 'HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n' },
    { dir: 'to_server', data: 'CONNECT example.test:443 HTTP/1.1\r\nProxy-Authorization: Basic eA==\r\n\r\n' },
    { dir: 'to_client', data: 'HTTP/1.1 200 OK\r\n\r\n' },
  ]);
  assert.deepEqual(resps(denied).map((t) => [t.response!.status, t.tunnel]), [
    [407, undefined],
    [200, 'connect'],
  ]);
});

test('100-continue: the request body follows the interim response, then the final response', () => {
  const ev = stable([
    { dir: 'to_server', data: 'PUT /f HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n' },
    { dir: 'to_client', data: 'HTTP/1.1 100 Continue\r\n\r\n' },
    { dir: 'to_server', data: 'data' },
    { dir: 'to_client', data: 'HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n' },
  ]);
  const r = resps(ev);
  assert.equal(r.length, 1);
  assert.equal(r[0].request!.body.toString(), 'data');
  assert.equal(r[0].response!.status, 201);
  assert.deepEqual(r[0].interim!.map((i) => i.status), [100]);
  assert.deepEqual(ev.map((e) => e.kind), ['http-request', 'http-response']);
});

test('an early final response (413 before the body) still emits the request first', () => {
  const ev = stable([
    { dir: 'to_server', data: 'POST /big HTTP/1.1\r\nContent-Length: 100000\r\n\r\nstart of a big body' },
    { dir: 'to_client', data: 'HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n' },
  ]);
  assert.deepEqual(ev.map((e) => e.kind), ['http-request', 'http-response']);
  const tx = resps(ev)[0];
  assert.equal(tx.request!.uri, '/big');
  assert.equal(tx.response!.status, 413);
});

test('a response with no request is flagged unsolicited', () => {
  const ev = stable([{ dir: 'to_client', data: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi' }]);
  const r = resps(ev);
  assert.equal(r.length, 1);
  assert.equal(r[0].request, undefined);
  assert.ok(kinds(r[0]).includes('unsolicited_response'));
});

test('gap inside a Content-Length body is skipped; the next request parses', () => {
  const ev = runSession([
    { dir: 'to_server', data: 'POST /a HTTP/1.1\r\nContent-Length: 20\r\n\r\n0123' },
    { dir: 'to_server', data: '6789012345GET /b HTTP/1.1\r\n\r\n', lost: 6 },
  ]);
  const r = reqs(ev);
  assert.deepEqual(r.map((t) => t.request!.uri), ['/a', '/b']);
  assert.equal(r[0].request!.bodyLength, 20);
  assert.equal(r[0].request!.bodyTruncated, true);
  assert.ok(kinds(r[0]).includes('gap'));
  assert.equal(r[1].request!.complete, true);
});

test('gap in the headers: the request is handed over cut short, then resync at the next request line', () => {
  const ev = runSession([
    { dir: 'to_server', data: 'GET /first HTTP/1.1\r\nHost: h\r\nX-Lo' },
    { dir: 'to_server', data: 'ng: value\r\n\r\nbody junk without framing\r\nPOST /second HTTP/1.1\r\nContent-Length: 0\r\n\r\n', lost: 50 },
  ]);
  const r = reqs(ev);
  assert.deepEqual(r.map((t) => t.request!.uri), ['/first', '/second']);
  assert.equal(r[0].request!.complete, false);
  assert.ok(kinds(r[0]).includes('gap'));
});

test('gap in the response stream: resync at the next status line, pairing continues in order', () => {
  const ev = runSession([
    { dir: 'to_server', data: 'GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n' },
    { dir: 'to_client', data: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc' },
    { dir: 'to_client', data: 'xyz\r\n0\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n', lost: 100 },
  ]);
  const r = resps(ev);
  assert.deepEqual(r.map((t) => [t.request!.uri, t.response!.status, t.response!.complete]), [
    ['/1', 200, false],
    ['/2', 404, true],
  ]);
});

test('many pipelined requests pair in order with their responses across any chunking', () => {
  let q = '';
  let s = '';
  for (let i = 0; i < 30; i++) {
    const m = i % 3 === 0 ? 'HEAD' : 'GET';
    q += `${m} /p${i} HTTP/1.1\r\nHost: h\r\n\r\n`;
    s += i % 5 === 4 ? `HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n` : `HTTP/1.1 200 OK\r\nContent-Length: ${3 + (i % 4)}\r\n\r\n${m === 'HEAD' ? '' : 'r'.repeat(3 + (i % 4))}`;
  }
  const ev = stable([{ dir: 'to_server', data: q }, { dir: 'to_client', data: s }]);
  const r = resps(ev);
  assert.equal(r.length, 30);
  r.forEach((t, i) => {
    assert.equal(t.index, i);
    assert.equal(t.request!.uri, `/p${i}`);
    assert.equal(t.response!.status, i % 5 === 4 ? 304 : 200);
  });
});

test('a response seen before the end of its request head (capture skew) still pairs with it', () => {
  const ev = stable([
    { dir: 'to_server', data: 'GET /skew HTTP/1.1\r\nHost: h\r\n' },
    { dir: 'to_client', data: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' },
    { dir: 'to_server', data: '\r\n' },
  ]);
  const r = resps(ev);
  assert.equal(r.length, 1);
  assert.equal(r[0].request!.uri, '/skew');
  assert.equal(r[0].request!.complete, true);
  assert.ok(!kinds(r[0]).includes('unsolicited_response'));
  assert.deepEqual(ev.map((e) => e.kind), ['http-request', 'http-response']);
});
