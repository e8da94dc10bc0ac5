// Anomalies are reported on the transaction, never thrown: smuggling-style framing ambiguities,
// malformed lines, oversized input. Each case also checks what the parser did with the bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSession, splitters, summary, type Step } from './http-helpers';
import type { HttpSessionEvent } from '../src/protocols/http/session';
import type { HttpTransaction } from '../src/protocols/http/types';

const reqs = (ev: HttpSessionEvent[]) => ev.flatMap((e) => (e.kind === 'http-request' ? [e.tx] : []));
const kinds = (tx: HttpTransaction) => tx.anomalies.map((a) => a.kind);

function stable(steps: Step[], opts?: Parameters<typeof runSession>[2]): HttpSessionEvent[] {
  const base = runSession(steps, undefined, opts);
  const want = summary(base);
  for (const split of splitters(11)) assert.deepEqual(summary(runSession(steps, split, opts)), want);
  return base;
}
const client = (data: string): Step[] => [{ dir: 'to_server', data }];

test('CL.TE: both headers flagged, Transfer-Encoding frames the body, the smuggled request shows up', () => {
  const ev = stable(client('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 44\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: h\r\n\r\n'));
  const r = reqs(ev);
  assert.ok(kinds(r[0]).includes('cl_te_conflict'));
  assert.equal(r[0].request!.framing, 'chunked');
  assert.deepEqual(r.map((t) => t.request!.uri), ['/', '/admin']);
});

test('TE.CL: the chunked body holding a second request is body, not a request', () => {
  const inner = 'GPOST / HTTP/1.1\r\nContent-Length: 15\r\n\r\nx=1';
  const body = `${inner.length.toString(16)}\r\n${inner}\r\n0\r\n\r\n`;
  const ev = stable(client(`POST / HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n${body}`));
  const r = reqs(ev);
  assert.equal(r.length, 1);
  assert.equal(r[0].request!.body.toString(), inner);
  assert.ok(kinds(r[0]).includes('cl_te_conflict'));
});

test('conflicting and repeated Content-Length, invalid Content-Length', () => {
  const a = reqs(stable(client('POST /a HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde')));
  assert.ok(kinds(a[0]).includes('multiple_content_length'));
  assert.match(a[0].anomalies.find((x) => x.kind === 'multiple_content_length')!.detail, /conflicting/);
  const b = reqs(stable(client('POST /b HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\nabc')));
  assert.equal(b[0].request!.body.toString(), 'abc');
  assert.ok(kinds(b[0]).includes('multiple_content_length'));
  const c = reqs(stable(client('POST /c HTTP/1.1\r\nContent-Length: 12abc\r\n\r\nGET /d HTTP/1.1\r\n\r\n')));
  assert.ok(kinds(c[0]).includes('invalid_content_length'));
  assert.deepEqual(c.map((t) => t.request!.uri), ['/c', '/d']);
  const d = reqs(stable(client('POST /e HTTP/1.1\r\nContent-Length: -1\r\n\r\n')));
  assert.ok(kinds(d[0]).includes('invalid_content_length'));
});

test('obfuscated Transfer-Encoding values and names are flagged (and chunked still recognised)', () => {
  for (const te of ['Transfer-Encoding: xchunked', 'Transfer-Encoding: chunked, chunked', 'Transfer-Encoding: gzip', 'Transfer-Encoding: chunked\r\nTransfer-Encoding: identity']) {
    const r = reqs(runSession(client(`POST / HTTP/1.1\r\n${te}\r\n\r\n0\r\n\r\n`)));
    assert.ok(kinds(r[0]).includes('invalid_transfer_encoding'), te);
  }
  const spaced = reqs(stable(client('POST / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n')));
  assert.ok(kinds(spaced[0]).includes('invalid_header'));
  assert.equal(spaced[0].request!.body.toString(), 'abc');
  const folded = reqs(stable(client('POST / HTTP/1.1\r\nTransfer-Encoding:\r\n chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n')));
  assert.ok(kinds(folded[0]).includes('header_folding'));
  assert.equal(folded[0].request!.body.toString(), 'abc');
  assert.deepEqual(folded[0].request!.headers, [{ name: 'Transfer-Encoding', value: 'chunked' }]);
});

test('bare LF and bare CR are flagged; bare-LF messages still parse', () => {
  const lf = reqs(stable(client('GET /lf HTTP/1.1\nHost: h\nX: y\n\n')));
  assert.equal(lf[0].request!.uri, '/lf');
  assert.deepEqual(lf[0].request!.headers.map((h) => h.name), ['Host', 'X']);
  assert.ok(kinds(lf[0]).includes('bare_lf'));
  const cr = reqs(stable(client('GET /cr HTTP/1.1\r\nX-A: one\rtwo\r\n\r\n')));
  assert.ok(kinds(cr[0]).includes('bare_cr'));
});

test('invalid and unknown methods, missing protocol, junk request lines', () => {
  const bad = reqs(stable(client('G@T / HTTP/1.1\r\n\r\n')));
  assert.ok(kinds(bad[0]).includes('invalid_method'));
  const unk = reqs(stable(client('FOO /x HTTP/1.1\r\n\r\n')));
  assert.ok(kinds(unk[0]).includes('unknown_method'));
  assert.equal(unk[0].request!.method, 'FOO');
  const noProto = reqs(runSession(client('GET /old\r\n\r\n')));
  assert.ok(kinds(noProto[0]).includes('missing_protocol'));
  assert.equal(noProto[0].request!.uri, '/old');
  const noTarget = reqs(runSession(client('GET\r\n\r\n')));
  assert.ok(kinds(noTarget[0]).includes('invalid_request_line'));
});

test('overlong request line and header block: cut, flagged, memory bounded, next request parses', () => {
  const limits = { maxLineBytes: 1024, maxHeaderBytes: 4096 };
  const longUri = '/' + 'a'.repeat(100_000);
  const ev = stable(client(`GET ${longUri} HTTP/1.1\r\nHost: h\r\n\r\nGET /ok HTTP/1.1\r\n\r\n`), { limits });
  const r = reqs(ev);
  assert.ok(kinds(r[0]).includes('line_too_long'));
  assert.ok(r[0].request!.line.length <= 1024);
  assert.deepEqual(r.slice(1).map((t) => t.request!.uri), ['/ok']);

  const many = Array.from({ length: 500 }, (_, i) => `X-H${i}: ${'v'.repeat(20)}\r\n`).join('');
  const h = reqs(stable(client(`GET /h HTTP/1.1\r\n${many}\r\nGET /after HTTP/1.1\r\n\r\n`), { limits }));
  assert.ok(kinds(h[0]).includes('line_too_long'));
  assert.ok(h[0].request!.rawHeaders.length <= 4096);
  assert.deepEqual(h.map((t) => t.request!.uri), ['/h', '/after']);
});

test('too many header lines are flagged and the rest ignored', () => {
  const many = Array.from({ length: 300 }, (_, i) => `X-H${i}: v\r\n`).join('');
  const r = reqs(stable(client(`GET / HTTP/1.1\r\n${many}\r\n`)));
  assert.ok(kinds(r[0]).includes('too_many_headers'));
  assert.equal(r[0].request!.headers.length, 256);
});

test('header oddities: no colon, empty name, invalid characters, folding before any header', () => {
  const r = reqs(stable(client('GET / HTTP/1.1\r\n folded-first\r\nNoColonHere\r\n: empty\r\nBad Name: x\r\nGood: y\r\n\r\n')));
  assert.ok(kinds(r[0]).includes('invalid_header'));
  assert.ok(r[0].request!.headers.some((h) => h.name === 'Good' && h.value === 'y'));
});

test('body cap: stored body stops at the cap, length keeps counting', () => {
  const body = 'z'.repeat(5000);
  const r = reqs(stable(client(`POST / HTTP/1.1\r\nContent-Length: 5000\r\n\r\n${body}GET /n HTTP/1.1\r\n\r\n`), { limits: { bodyCap: 1000 } }));
  assert.equal(r[0].request!.body.length, 1000);
  assert.equal(r[0].request!.bodyLength, 5000);
  assert.equal(r[0].request!.bodyTruncated, true);
  assert.equal(r[1].request!.uri, '/n');
});

test('NUL bytes and binary junk anywhere do not throw', () => {
  const junk = Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 131) & 0xff));
  const ev = runSession([
    { dir: 'to_server', data: Buffer.concat([Buffer.from('GET /\0x HTTP/1.1\r\nA\0: b\0\r\n\r\n'), junk]) },
    { dir: 'to_client', data: Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n\0\0\0\0\0'), junk]) },
  ]);
  assert.ok(reqs(ev).length >= 1);
});

test('a flood of pipelined requests without responses keeps a bounded queue', () => {
  const many = 'GET /x HTTP/1.1\r\n\r\n'.repeat(5000);
  const ev = runSession([{ dir: 'to_server', data: many }, { dir: 'to_client', data: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' }]);
  assert.equal(reqs(ev).length, 5000);
  const r = ev.flatMap((e) => (e.kind === 'http-response' ? [e.tx] : []));
  assert.equal(r.length, 1);
  // The response pairs with the oldest request still remembered.
  assert.ok(r[0].index >= 5000 - 1024);
});
