// `proctap replay` follows Suricata's default stream.midstream: false (a flow whose handshake is
// not in the capture is ignored); --midstream picks such flows up. Only replay changes: the live
// sensor reads socket payloads (no packet reassembly), and pcap-info keeps its own --no-midstream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { PcapWriter, TcpConversation } from '../src/pcap/writer';
import { loadRules, replayWithEngine } from '../src/detect/suricata';

const ROOT = path.resolve(__dirname, '..');
const RULES = [
  'alert http any any -> any any (msg:"full"; http.uri; content:"/full"; sid:1;)',
  'alert http any any -> any any (msg:"mid"; http.uri; content:"/mid"; sid:2;)',
  'alert tcp any any -> any any (msg:"mid stream"; content:"MIDSTREAM-MARK"; sid:3;)',
].join('\n');

function capture(dir: string): string {
  const w = new PcapWriter(1);
  const full = new TcpConversation(w, { addr: '10.8.0.1', port: 41000 }, { addr: '10.8.0.2', port: 80 });
  full.handshake();
  full.send(true, 'GET /full HTTP/1.1\r\nHost: a\r\n\r\n');
  full.send(false, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
  full.close();
  const mid = new TcpConversation(w, { addr: '10.8.0.1', port: 41001 }, { addr: '10.8.0.2', port: 80 }, { startMs: 1_700_000_000_100 });
  mid.send(true, 'GET /mid HTTP/1.1\r\nHost: a\r\nX: MIDSTREAM-MARK\r\n\r\n'); // no handshake in the capture
  mid.send(false, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
  const file = path.join(dir, 'mid.pcap');
  fs.writeFileSync(file, w.toBuffer());
  return file;
}

test('replayWithEngine ignores flows without a handshake unless midstream is on', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proctap-mid-'));
  try {
    const file = capture(dir);
    const { engine } = loadRules([{ file: 'mid.rules', text: RULES }]);
    const sids = (midstream?: boolean): number[] => {
      const out: number[] = [];
      replayWithEngine(file, engine, (a) => out.push(a.match.id), midstream === undefined ? {} : { midstream });
      return out.sort();
    };
    assert.deepEqual(sids(), [1]);
    assert.deepEqual(sids(false), [1]);
    assert.deepEqual(sids(true), [1, 2, 3]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('proctap replay: midstream off by default, --midstream turns it on', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proctap-mid-'));
  try {
    const file = capture(dir);
    const rules = path.join(dir, 'mid.rules');
    fs.writeFileSync(rules, RULES);
    const run = (...extra: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', 'replay', file, '--rules', rules, ...extra], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, PROCTAP_HS_CACHE: '' } });
    const off = run();
    assert.equal(off.status, 0, off.stderr);
    assert.deepEqual(off.stdout.trim().split('\n').map((l) => JSON.parse(l).alert.signature_id), [1]);
    assert.match(off.stderr, /replay: \d+ packets, 1 flows, 1 HTTP transactions, .* 1 alerts \(2 data packets of flows without a handshake ignored; --midstream to include them\)/);
    const on = run('--midstream');
    assert.equal(on.status, 0, on.stderr);
    assert.deepEqual(on.stdout.trim().split('\n').map((l) => JSON.parse(l).alert.signature_id).sort(), [1, 2, 3]);
    assert.match(on.stderr, /replay: \d+ packets, 2 flows, 2 HTTP transactions, .* 3 alerts\n/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
