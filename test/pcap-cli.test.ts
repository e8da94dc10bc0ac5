// `proctap pcap-info`: a capture summarised as flows and HTTP transactions; bad input exits 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PcapWriter, TcpConversation } from '../src/pcap/writer';

const root = path.join(__dirname, '..');
const cli = (...args: string[]) => spawnSync('node', ['--import', 'tsx', path.join(root, 'src/cli/run.ts'), 'pcap-info', ...args], { encoding: 'utf8', cwd: root });

function capture(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proctap-pcapinfo-'));
  const file = path.join(dir, 'two.pcap');
  const w = new PcapWriter(113); // Linux cooked
  const c = new TcpConversation(w, { addr: '10.9.0.1', port: 41000 }, { addr: '10.9.0.2', port: 80 });
  c.handshake();
  c.send(true, 'GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyz');
  c.send(false, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
  c.close();
  const raw = new TcpConversation(w, { addr: '10.9.0.1', port: 41001 }, { addr: '10.9.0.3', port: 6379 }, { startMs: 1_700_000_001_000 });
  raw.handshake();
  raw.send(true, '*1\r\n$4\r\nPING\r\n');
  raw.send(false, '+PONG\r\n');
  raw.close();
  fs.writeFileSync(file, w.toBuffer());
  return file;
}

test('pcap-info lists flows, transactions and counters', () => {
  const file = capture();
  const r = cli(file, '--http');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /link type 113, \d+ records/);
  assert.match(r.stdout, /flows: 2 \(1 HTTP\), 2 requests, 2 responses/);
  assert.match(r.stdout, /10\.9\.0\.1:41000 > 10\.9\.0\.2:80 http \d+\/\d+ B 2 tx \(closed\)/);
  assert.match(r.stdout, /10\.9\.0\.1:41001 > 10\.9\.0\.3:6379 raw 14\/7 B \(closed\)/);
  assert.match(r.stdout, /#0 GET \/a -> 200 req 0 B resp 2 B/);
  assert.match(r.stdout, /#1 POST \/b -> 404 req 3 B resp 0 B/);

  const j = cli(file, '--json');
  assert.equal(j.status, 0, j.stderr);
  const lines = j.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.filter((l) => l.type === 'http').map((l) => [l.method, l.uri, l.status]), [['GET', '/a', 200], ['POST', '/b', 404]]);
  const counters = lines.find((l) => l.type === 'counters');
  assert.equal(counters.http_requests, 2);
  assert.equal(counters.tcp_flows, 2);
});

test('pcap-info --no-midstream ignores flows without a handshake', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proctap-pcapinfo-'));
  const file = path.join(dir, 'mid.pcap');
  const w = new PcapWriter(1);
  const full = new TcpConversation(w, { addr: '10.9.1.1', port: 41000 }, { addr: '10.9.1.2', port: 80 });
  full.handshake();
  full.send(true, 'GET /full HTTP/1.1\r\n\r\n');
  const mid = new TcpConversation(w, { addr: '10.9.1.1', port: 41001 }, { addr: '10.9.1.2', port: 80 });
  mid.send(true, 'GET /midstream HTTP/1.1\r\n\r\n'); // no handshake in the capture
  fs.writeFileSync(file, w.toBuffer());
  assert.match(cli(file).stdout, /flows: 2 \(2 HTTP\)/);
  const r = cli(file, '--no-midstream', '--http');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /flows: 1 \(1 HTTP\)/);
  assert.doesNotMatch(r.stdout, /midstream HTTP/);
});

test('pcap-info: missing file and non-pcap file exit 2 with the reason', () => {
  const missing = cli('/nonexistent/x.pcap');
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /no such pcap file/);
  const notPcap = cli(path.join(root, 'package.json'));
  assert.equal(notPcap.status, 2);
  assert.match(notPcap.stderr, /package\.json: offset 0: not a pcap file/);
});
