// `proctap replay`: a real pcap through flows, HTTP and the full ET Open set; EVE alert lines checked
// field by field against the types of Suricata's EVE schema for the fields we emit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFile, execFileSync } from 'child_process';

const ROOT = path.resolve(__dirname, '..');
const DATA = path.resolve(ROOT, '../shared/data');
const PCAP = path.join(DATA, 'suricata-verify-http/eve-metadata/testmyids.pcap');

function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], { cwd: ROOT, timeout: 120_000, maxBuffer: 64 << 20, env: { ...process.env, PROCTAP_HS_CACHE: '' } }, (e, out, err) =>
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out, err }),
    );
  });
}

type Kind = 'string' | 'integer' | 'object' | 'metadata';
// Types from Suricata's EVE schema (etc/schema.json) for every field proctap writes in an alert.
const SCHEMA: Record<string, Kind> = {
  timestamp: 'string',
  flow_id: 'integer',
  event_type: 'string',
  src_ip: 'string',
  src_port: 'integer',
  dest_ip: 'string',
  dest_port: 'integer',
  proto: 'string',
  app_proto: 'string',
  direction: 'string',
  tx_id: 'integer',
  alert: 'object',
  'alert.action': 'string',
  'alert.gid': 'integer',
  'alert.signature_id': 'integer',
  'alert.rev': 'integer',
  'alert.signature': 'string',
  'alert.category': 'string',
  'alert.severity': 'integer',
  'alert.metadata': 'metadata',
  http: 'object',
  'http.hostname': 'string',
  'http.url': 'string',
  'http.http_user_agent': 'string',
  'http.http_content_type': 'string',
  'http.http_method': 'string',
  'http.protocol': 'string',
  'http.status': 'integer',
  'http.length': 'integer',
  flow: 'object',
  'flow.src_ip': 'string',
  'flow.dest_ip': 'string',
  'flow.src_port': 'integer',
  'flow.dest_port': 'integer',
};

function validate(rec: Record<string, unknown>, prefix = ''): string[] {
  const errs: string[] = [];
  for (const [k, v] of Object.entries(rec)) {
    const key = prefix + k;
    const kind = SCHEMA[key];
    if (!kind) errs.push(`unknown field ${key}`);
    else if (kind === 'integer' && !Number.isInteger(v)) errs.push(`${key} is not an integer`);
    else if (kind === 'string' && typeof v !== 'string') errs.push(`${key} is not a string`);
    else if (kind === 'metadata') {
      for (const [mk, mv] of Object.entries(v as Record<string, unknown>)) {
        if (!Array.isArray(mv) || !mv.every((x) => typeof x === 'string')) errs.push(`alert.metadata.${mk} is not an array of strings`);
      }
    } else if (kind === 'object') errs.push(...validate(v as Record<string, unknown>, key + '.'));
  }
  return errs;
}

test('replay with ET Open writes valid EVE alert lines', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'et-replay-'));
  try {
    execFileSync('tar', ['xzf', path.join(DATA, 'et-open/emerging-all.rules.tar.gz'), '-C', dir]);
    const out = path.join(dir, 'eve.json');
    const r = await run(['replay', PCAP, '--rules', path.join(dir, 'emerging-all.rules'), '--eve', out]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /rules: \d+ loaded, 12202 disabled in file, \d+ not loaded/);
    assert.match(r.err, /replay: 10 packets, 1 flows, 1 HTTP transactions, .* 2 alerts/);
    const recs = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    assert.deepEqual(recs.map((x) => x.alert.signature_id).sort(), [2013028, 2100498]);
    for (const rec of recs) {
      assert.deepEqual(validate(rec), []);
      assert.match(rec.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+0000$/);
      assert.equal(rec.event_type, 'alert');
      assert.equal(rec.proto, 'TCP');
      assert.equal(rec.app_proto, 'http');
      assert.equal(rec.alert.action, 'allowed');
      assert.equal(rec.alert.gid, 1);
    }
    const curl = recs.find((x) => x.alert.signature_id === 2013028)!;
    assert.equal(curl.alert.signature, 'ET POLICY curl User-Agent Outbound');
    assert.equal(curl.alert.category, 'Attempted Information Leak');
    assert.equal(curl.alert.severity, 2);
    assert.equal(curl.direction, 'to_server');
    assert.equal(curl.src_ip, '10.16.1.11');
    assert.equal(curl.dest_port, 80);
    assert.equal(curl.tx_id, 0);
    assert.equal(curl.http.hostname, 'www.testmyids.com');
    assert.equal(curl.alert.metadata.proctap_buffer[0], 'http.user_agent');
    assert.match(curl.alert.metadata.proctap_matched[0], /curl/i);
    const root = recs.find((x) => x.alert.signature_id === 2100498)!;
    assert.equal(root.direction, 'to_client');
    assert.equal(root.src_ip, '82.165.177.154');
    assert.equal(root.flow.src_ip, '10.16.1.11'); // flow keeps the client as source
    assert.equal(root.alert.metadata.proctap_matched[0], 'uid=0(root)');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('replay: variables, several rule files, stdout, usage errors', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'et-replay-'));
  try {
    fs.writeFileSync(path.join(dir, 'a.rules'), 'alert http $HOME_NET any -> $EXTERNAL_NET any (msg:"out"; flow:to_server; http.host; content:"testmyids.com"; sid:1;)\n');
    fs.writeFileSync(path.join(dir, 'b.rules'), 'alert http $EXTERNAL_NET any -> $HOME_NET any (msg:"in"; flow:to_server; http.host; content:"testmyids.com"; sid:2;)\nalert tcp any any -> any $HTTP_PORTS (msg:"port"; content:"GET"; depth:3; sid:3;)\n');
    const a = await run(['replay', PCAP, '--rules', path.join(dir, 'a.rules'), '--rules', path.join(dir, 'b.rules')]);
    assert.equal(a.code, 0, a.err);
    assert.deepEqual(a.out.trim().split('\n').map((l) => JSON.parse(l).alert.signature_id).sort(), [1, 3]);
    // Rebinding: the server is "home", so the inbound rule fires instead; HTTP_PORTS no longer has 80.
    const b = await run(['replay', PCAP, '--rules', path.join(dir, 'a.rules'), '--rules', path.join(dir, 'b.rules'), '--var', 'HOME_NET=[82.165.177.154]', '--var', 'HTTP_PORTS=8080']);
    assert.equal(b.code, 0, b.err);
    assert.deepEqual(b.out.trim().split('\n').map((l) => JSON.parse(l).alert.signature_id), [2]);
    assert.equal((await run(['replay', PCAP])).code, 2);
    assert.equal((await run(['replay', path.join(dir, 'missing.pcap'), '--rules', path.join(dir, 'a.rules')])).code, 2);
    assert.equal((await run(['replay', PCAP, '--rules', path.join(dir, 'a.rules'), '--var', 'nonsense'])).code, 2);
    const notPcap = path.join(dir, 'x.pcap');
    fs.writeFileSync(notPcap, 'not a pcap');
    const bad = await run(['replay', notPcap, '--rules', path.join(dir, 'a.rules')]);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /pcap/i);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
