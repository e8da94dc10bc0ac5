// The decoder and formatters on hand-made records (bpf/events.h layout): field offsets, address
// forms (v4, v6, v4-mapped), malformed input skipped and counted, payload views without copies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBatch, HEADER_BYTES, containerIdFromCgroupPath } from '../src/capture';
import { toJson, toText, preview } from '../src/capture/format';

interface Rec {
  version?: number;
  type?: number;
  family?: number;
  role?: number;
  flags?: number;
  pid?: number;
  laddr?: number[];
  raddr?: number[];
  lport?: number;
  rport?: number;
  len?: number;
  payload?: Buffer;
  comm?: string;
  ts?: bigint;
  cookie?: bigint;
}

function rec(r: Rec): Buffer {
  const p = r.payload ?? Buffer.alloc(0);
  const b = Buffer.alloc(HEADER_BYTES + p.length);
  b.writeUInt16LE(r.version ?? 1, 0);
  b[2] = r.type ?? 1;
  b[3] = r.family ?? 4;
  b[4] = r.role ?? 1;
  b[5] = 1;
  b.writeUInt16LE(r.flags ?? 0, 6);
  b.writeUInt32LE(r.pid ?? 42, 8);
  b.writeUInt32LE(43, 12);
  b.writeUInt32LE(1000, 16);
  b.writeUInt32LE(4026531840, 20);
  b.writeBigUInt64LE(r.ts ?? 5_000_000_000n, 24);
  b.writeBigUInt64LE(7n, 32);
  b.writeBigUInt64LE(r.cookie ?? 12345n, 40);
  Buffer.from(r.laddr ?? [127, 0, 0, 1]).copy(b, 48);
  Buffer.from(r.raddr ?? [10, 1, 2, 3]).copy(b, 64);
  b.writeUInt16LE(r.lport ?? 40000, 80);
  b.writeUInt16LE(r.rport ?? 80, 82);
  b.writeUInt32LE(r.len ?? p.length, 84);
  b.writeUInt32LE(p.length, 88);
  b.write(r.comm ?? 'curl', 96, 'latin1');
  p.copy(b, HEADER_BYTES);
  return b;
}

const clock = { monotonicToRealtimeMs: 1_700_000_000_000 };

test('fields decode at the offsets of bpf/events.h; payload is a view into the batch', () => {
  const batch = Buffer.concat([
    rec({ payload: Buffer.from('GET / HTTP/1.1\r\n\r\n'), len: 18 }),
    rec({ type: 2, role: 2, comm: 'a-fifteen-chars', payload: Buffer.from('pong'), len: 100, flags: 1 }),
  ]);
  const { events, malformed } = decodeBatch(batch, clock);
  assert.equal(malformed, 0);
  assert.equal(events.length, 2);
  const [a, b] = events;
  assert.equal(a.type, 'send');
  assert.equal(a.pid, 42);
  assert.equal(a.tid, 43);
  assert.equal(a.uid, 1000);
  assert.equal(a.netnsIno, 4026531840);
  assert.equal(a.cgroupId, 7n);
  assert.equal(a.socketCookie, 12345n);
  assert.equal(a.tsNs, 5_000_000_000n);
  assert.equal(a.timeMs, 1_700_000_005_000);
  assert.equal(a.comm, 'curl');
  assert.equal(a.role, 'client');
  assert.equal(a.localAddr, '127.0.0.1');
  assert.equal(a.remoteAddr, '10.1.2.3');
  assert.equal(a.localPort, 40000);
  assert.equal(a.remotePort, 80);
  assert.equal(a.payload.toString(), 'GET / HTTP/1.1\r\n\r\n');
  assert.equal(a.payload.buffer, batch.buffer, 'no copy');
  assert.equal(b.type, 'recv');
  assert.equal(b.role, 'server');
  assert.equal(b.comm, 'a-fifteen-chars');
  assert.equal(b.len, 100);
  assert.equal(b.captured, 4);
  assert.equal(b.flags.truncated, true);
});

test('IPv6 text form, and v4-mapped peers as plain IPv4', () => {
  const v6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
  const lo6 = [...Array(15).fill(0), 1];
  const mapped = (a: number[]) => [...Array(10).fill(0), 0xff, 0xff, ...a];
  const { events } = decodeBatch(
    Buffer.concat([
      rec({ family: 6, laddr: lo6, raddr: v6 }),
      rec({ family: 6, laddr: mapped([127, 0, 0, 1]), raddr: mapped([127, 0, 0, 2]), flags: 1 << 7 }),
    ]),
    clock,
  );
  assert.equal(events[0].family, 6);
  assert.equal(events[0].localAddr, '::1');
  assert.equal(events[0].remoteAddr, '2001:db8::1');
  assert.equal(events[1].family, 4);
  assert.equal(events[1].localAddr, '127.0.0.1');
  assert.equal(events[1].remoteAddr, '127.0.0.2');
});

test('unknown versions and types are skipped and counted; a cut record stops the batch', () => {
  const good = rec({ payload: Buffer.from('ok') });
  const cut = rec({ payload: Buffer.from('this record is cut short') }).subarray(0, HEADER_BYTES + 3);
  const { events, malformed } = decodeBatch(
    Buffer.concat([rec({ version: 99 }), good, rec({ type: 200 }), good, cut]),
    clock,
  );
  assert.equal(events.length, 2);
  assert.ok(events.every((e) => e.payload.toString() === 'ok'));
  assert.equal(malformed, 3);
});

test('JSON and text renderings', () => {
  const { events } = decodeBatch(
    Buffer.concat([
      rec({ payload: Buffer.from('GET /\r\n\x00\xff"', 'latin1'), len: 9 }),
      rec({ type: 2, payload: Buffer.from('HTTP/1.1 200 OK') }),
    ]),
    clock,
  );
  const j = toJson(events[0]);
  assert.equal(j.src, '127.0.0.1:40000');
  assert.equal(j.dst, '10.1.2.3:80');
  assert.equal(j.direction, 'outbound');
  assert.equal(j.socket, '12345');
  assert.equal(Buffer.from(j.payload, 'base64').toString('latin1'), 'GET /\r\n\x00\xff"');
  assert.equal(j.ts, new Date(1_700_000_005_000).toISOString());
  const r = toJson(events[1]);
  assert.equal(r.src, '10.1.2.3:80', 'recv: data flows remote -> local');
  assert.equal(r.dst, '127.0.0.1:40000');
  assert.equal(r.direction, 'inbound');
  assert.match(toText(events[0]), /send +curl\[42\] client 127\.0\.0\.1:40000 -> 10\.1\.2\.3:80 len=9 "GET \/\\r\\n\\x00\\xff\\""$/);
  assert.equal(preview(Buffer.from('abcdef'), 3), '"abc"...');
});

test('container ids from cgroup paths', () => {
  const id = 'a'.repeat(12) + 'b'.repeat(52);
  assert.equal(containerIdFromCgroupPath(`/system.slice/docker-${id}.scope`), id);
  assert.equal(containerIdFromCgroupPath(`/kubepods/besteffort/pod1234/${id}`), id);
  assert.equal(containerIdFromCgroupPath(`/kubepods.slice/kubepods-pod.slice/cri-containerd-${id}.scope`), id);
  assert.equal(containerIdFromCgroupPath('/user.slice/user-0.slice/session-1.scope'), undefined);
});
