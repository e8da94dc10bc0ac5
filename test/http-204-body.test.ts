// A 204 that frames a body anyway (Transfer-Encoding: chunked or Content-Length, which RFC 9110
// forbids) has that body read, as clients and Suricata's libhtp do (http-evader case 476); a plain
// 204 and any 304 stay bodiless so keep-alive pairing holds. Same result for every chunking.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSession, splitters } from './http-helpers';
import type { HttpTransaction } from '../src/protocols/http/types';

const REQ = (p: string) => `GET ${p} HTTP/1.1\r\nHost: h\r\n\r\n`;

function responses(toServer: string, toClient: string, split?: (n: number) => number[]): HttpTransaction[] {
  return runSession([{ dir: 'to_server', data: toServer }, { dir: 'to_client', data: toClient }], split).flatMap((e) => (e.kind === 'http-response' ? [e.tx] : []));
}

test('204 with a chunked or Content-Length body: the body is read and flagged; pairing holds', () => {
  const reqs = REQ('/a') + REQ('/b') + REQ('/c') + REQ('/d');
  const resp =
    'HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nEICAR\r\n0\r\n\r\n' +
    'HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\nxyz' +
    'HTTP/1.1 204 No Content\r\n\r\n' +
    'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
  const base = responses(reqs, resp).map((t) => [t.request!.uri, t.response!.status, t.response!.body.toString(), t.anomalies.map((a) => a.kind).join()]);
  assert.deepEqual(base, [
    ['/a', 204, 'EICAR', 'unexpected_body'],
    ['/b', 204, 'xyz', 'unexpected_body'],
    ['/c', 204, '', ''],
    ['/d', 200, 'ok', ''],
  ]);
  for (const split of splitters(476)) {
    assert.deepEqual(responses(reqs, resp, split).map((t) => [t.request!.uri, t.response!.status, t.response!.body.toString(), t.anomalies.map((a) => a.kind).join()]), base);
  }
});

test('304 with Content-Length or Transfer-Encoding (metadata of the cached entity) has no body', () => {
  const reqs = REQ('/a') + REQ('/b') + REQ('/c');
  const resp =
    'HTTP/1.1 304 Not Modified\r\nContent-Length: 1234\r\n\r\n' +
    'HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n' +
    'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
  const r = responses(reqs, resp);
  assert.deepEqual(r.map((t) => [t.request!.uri, t.response!.status, t.response!.bodyLength, t.response!.complete]), [
    ['/a', 304, 0, true],
    ['/b', 304, 0, true],
    ['/c', 200, 2, true],
  ]);
  assert.deepEqual(r.flatMap((t) => t.anomalies.map((a) => a.kind)), []);
});
