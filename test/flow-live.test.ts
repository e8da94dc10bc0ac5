// Live flows from CaptureEvents: socket roles to directions, gaps from uncaptured bytes, TLS
// plaintext replacing ciphertext, close/timeout/eviction. The last tests run the real sensor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CaptureEvent, CaptureEventType, SocketRole } from '../src/capture/types';
import { LivePipeline, type PipelineEvent } from '../src/pipeline';

let tsn = 0n;
function ev(type: CaptureEventType, o: Partial<CaptureEvent> & { data?: string } = {}): CaptureEvent {
  const payload = Buffer.from(o.data ?? '', 'latin1');
  tsn += 1000n;
  return {
    version: 1,
    type,
    tsNs: tsn,
    timeMs: o.timeMs ?? 1000 + Number(tsn / 1000n),
    pid: 42,
    tid: 42,
    uid: 0,
    comm: 'client-app',
    cgroupId: 7n,
    netnsIno: 4026531840,
    socketCookie: 100n,
    family: 4,
    localAddr: '127.0.0.1',
    localPort: 50000,
    remoteAddr: '127.0.0.1',
    remotePort: 8080,
    role: 'client' as SocketRole,
    len: payload.length,
    captured: payload.length,
    flags: { truncated: false, noPayload: false, peek: false, readFault: false, tlsCiphertext: false },
    payload,
    ...o,
  };
}

function collect(opts?: ConstructorParameters<typeof LivePipeline>[1]) {
  const events: PipelineEvent[] = [];
  const live = new LivePipeline((e) => events.push(e.kind === 'stream' ? { ...e, chunk: { ...e.chunk, data: Buffer.from(e.chunk.data) } } : e), opts);
  return { live, events, txs: () => events.flatMap((e) => (e.kind === 'http-response' ? [e.tx] : [])) };
}

test('client socket: send is to_server, recv is to_client; flow facts from the events', () => {
  const { live, events, txs } = collect();
  live.push(ev('connect'));
  live.push(ev('send', { data: 'GET /live HTTP/1.1\r\nHost: x\r\n\r\n' }));
  live.push(ev('recv', { data: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc' }));
  live.push(ev('close'));
  const [tx] = txs();
  assert.equal(tx.request!.uri, '/live');
  assert.equal(tx.response!.body.toString(), 'abc');
  const f = tx.flow;
  assert.equal(f.source, 'live');
  assert.deepEqual(f.client, { addr: '127.0.0.1', port: 50000 });
  assert.deepEqual(f.server, { addr: '127.0.0.1', port: 8080 });
  assert.equal(f.localRole, 'client');
  assert.equal(f.process?.comm, 'client-app');
  assert.equal(f.socketCookie, 100n);
  assert.deepEqual(events.map((e) => e.kind), ['http-request', 'http-response', 'flow-end']);
  assert.equal((events[2] as { reason: string }).reason, 'closed');
});

test('server socket: recv is to_server, send is to_client', () => {
  const { live, txs } = collect();
  const s = { role: 'server' as SocketRole, localPort: 8080, remotePort: 50000, comm: 'server-app', socketCookie: 200n };
  live.push(ev('recv', { ...s, data: 'POST /s HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi' }));
  live.push(ev('send', { ...s, data: 'HTTP/1.1 204 No Content\r\n\r\n' }));
  live.flush();
  const [tx] = txs();
  assert.equal(tx.request!.body.toString(), 'hi');
  assert.equal(tx.response!.status, 204);
  assert.deepEqual(tx.flow.server, { addr: '127.0.0.1', port: 8080 });
  assert.equal(tx.flow.localRole, 'server');
});

test('unknown role: the well-known port decides', () => {
  const { live, txs } = collect();
  const o = { role: 'unknown' as SocketRole, localPort: 80, remotePort: 43210, socketCookie: 300n };
  live.push(ev('recv', { ...o, data: 'GET /u HTTP/1.1\r\n\r\n' }));
  live.push(ev('send', { ...o, data: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' }));
  live.flush();
  assert.equal(txs()[0].flow.server.port, 80);
  assert.equal(txs()[0].request!.uri, '/u');
});

test('bytes not captured (truncated payload, sendfile) become a gap with the right offset; parsing resyncs', () => {
  const { live, events, txs } = collect();
  const body = 'B'.repeat(100);
  // The body send moved 100 bytes but only 10 were captured; the next request follows.
  live.push(ev('send', { data: 'POST /t HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n' }));
  live.push(ev('send', { data: body.slice(0, 10), len: 100, captured: 10, flags: { truncated: true, noPayload: false, peek: false, readFault: false, tlsCiphertext: false } }));
  live.push(ev('send', { data: '', len: 7, captured: 0, flags: { truncated: false, noPayload: true, peek: false, readFault: false, tlsCiphertext: false } }));
  live.push(ev('send', { data: 'GET /after HTTP/1.1\r\n\r\n' }));
  live.push(ev('recv', { data: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' }));
  live.flush();
  assert.deepEqual(txs().map((t) => t.request!.uri), ['/t', '/after']);
  assert.ok(txs()[0].anomalies.some((a) => a.kind === 'gap'));
  const c = live.counters();
  assert.equal(c.live_bytes_lost, 90 + 7);
  assert.equal(c.live_gaps, 1);
  const end = events.find((e) => e.kind === 'flow-end');
  assert.ok(end && end.kind === 'flow-end' && end.flow.gaps === 1);
});

test('MSG_PEEK reads are not counted twice', () => {
  const { live, txs } = collect();
  const peek = { truncated: false, noPayload: false, peek: true, readFault: false, tlsCiphertext: false };
  live.push(ev('send', { data: 'GET /p HTTP/1.1\r\n\r\n' }));
  live.push(ev('recv', { data: 'HTTP/1.1 200 OK\r\n', flags: peek }));
  live.push(ev('recv', { data: 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx' }));
  live.flush();
  assert.equal(txs().length, 1);
  assert.equal(txs()[0].response!.body.toString(), 'x');
  assert.equal(live.counters().live_peek_ignored, 1);
});

test('TLS: plaintext events replace the ciphertext stream; later ciphertext is ignored', () => {
  const { live, events, txs } = collect();
  const cipher = { truncated: false, noPayload: false, peek: false, readFault: false, tlsCiphertext: true };
  live.push(ev('connect', { remotePort: 443 }));
  // Handshake bytes before any plaintext: a raw (non-HTTP) stream at first.
  live.push(ev('send', { remotePort: 443, data: '\x16\x03\x01\x00\x10client hello', flags: cipher }));
  live.push(ev('recv', { remotePort: 443, data: '\x16\x03\x03\x00\x10server hello', flags: cipher }));
  live.push(ev('tls_write', { remotePort: 443, data: 'GET /secret HTTP/1.1\r\nHost: x\r\n\r\n', tlsLink: 'exact', tlsLibrary: 'libssl.so.3' }));
  live.push(ev('send', { remotePort: 443, data: '\x17\x03\x03encrypted request', flags: cipher }));
  live.push(ev('recv', { remotePort: 443, data: '\x17\x03\x03encrypted response', flags: cipher }));
  live.push(ev('tls_read', { remotePort: 443, data: 'HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret', tlsLink: 'exact' }));
  live.push(ev('close', { remotePort: 443 }));
  const [tx] = txs();
  assert.equal(tx.request!.uri, '/secret');
  assert.equal(tx.response!.body.toString(), 'secret');
  assert.equal(tx.flow.tls, true);
  assert.equal(tx.flow.tlsLink, 'exact');
  assert.equal(tx.tlsLink, 'exact');
  // Only the handshake went out as raw stream; nothing encrypted after the switch.
  const raw = events.flatMap((e) => (e.kind === 'stream' ? [e.chunk.data.toString('latin1')] : []));
  assert.deepEqual(raw, ['\x16\x03\x01\x00\x10client hello', '\x16\x03\x03\x00\x10server hello']);
  assert.equal(live.counters().live_ciphertext_ignored, 2);
  assert.equal(events.filter((e) => e.kind === 'flow-end').length, 1);
});

test('TLS plaintext with no socket link gets its own flow per thread', () => {
  const { live, txs } = collect();
  live.push(ev('tls_write', { socketCookie: 0n, tlsLink: 'none', data: 'GET /unlinked HTTP/1.1\r\n\r\n' }));
  live.push(ev('tls_read', { socketCookie: 0n, tlsLink: 'none', data: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' }));
  live.flush();
  assert.equal(txs()[0].request!.uri, '/unlinked');
  assert.equal(txs()[0].flow.tlsLink, 'none');
});

test('depth: a direction stops at the inspection depth and the flow is marked truncated', () => {
  const { live, events } = collect({ flows: { depth: 1000 } });
  for (let i = 0; i < 30; i++) live.push(ev('send', { remotePort: 6379, data: 'x'.repeat(100) }));
  live.flush();
  const delivered = events.flatMap((e) => (e.kind === 'stream' ? [e.chunk.data.length] : [])).reduce((a, b) => a + b, 0);
  assert.equal(delivered, 1000);
  assert.equal(live.counters().live_bytes_beyond_depth, 2000);
  const end = events.find((e) => e.kind === 'flow-end');
  assert.ok(end && end.kind === 'flow-end' && end.flow.truncated === true);

  const unlimited = collect({ flows: { depth: 0 } });
  for (let i = 0; i < 30; i++) unlimited.live.push(ev('send', { remotePort: 6379, data: 'x'.repeat(100) }));
  unlimited.live.flush();
  assert.equal(unlimited.events.flatMap((e) => (e.kind === 'stream' ? [e.chunk.data.length] : [])).reduce((a, b) => a + b, 0), 3000);
});

test('idle flows end with reason timeout at tick()', () => {
  const { live, events } = collect({ flows: { idleTimeoutMs: 10_000 } });
  live.push(ev('send', { socketCookie: 1n, timeMs: 1000, data: 'GET / HTTP/1.1\r\n\r\n' }));
  live.push(ev('send', { socketCookie: 2n, timeMs: 8000, data: 'GET / HTTP/1.1\r\n\r\n' }));
  live.tick(10_999);
  assert.equal(events.filter((e) => e.kind === 'flow-end').length, 0);
  live.tick(11_000);
  const ends = events.flatMap((e) => (e.kind === 'flow-end' ? [e] : []));
  assert.equal(ends.length, 1);
  assert.equal(ends[0].reason, 'timeout');
  assert.equal(ends[0].flow.socketCookie, 1n);
  assert.equal(live.counters().live_flows_timed_out, 1);
});
