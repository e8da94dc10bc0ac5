// The agent end to end over its real interfaces: a real gRPC server on 127.0.0.1 (ephemeral port) and
// the real client, /metrics over HTTP, the EVE file. Traffic is synthetic HttpTransaction/StreamChunk
// input through fake Detectors (test/agent-fixtures.ts): the real capture, pipeline and engines are
// tested by their own suites and are wired in later through the same interfaces.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Agent } from '../src/agent/agent';
import { AgentClient } from '../src/agent/client';
import { defaultConfig } from '../src/config/defaults';
import type { WireIncidentEvent } from '../src/agent/wire';
import { SyntheticCapture, fakeEngines, tx, flow, chunk } from './agent-fixtures';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proctap-agent-grpc-'));
const evePath = path.join(dir, 'eve.json');
const capture = new SyntheticCapture();
const { crsDet, etDet } = fakeEngines();
let agent: Agent;
let client: AgentClient;
let metricsUrl = '';

function sqli(extra: Partial<Parameters<typeof tx>[0]> = {}): ReturnType<typeof tx> {
  return tx({ uri: "/search?q=1'%20OR%201=1&token=tok-secret-1", headers: [['Host', 'app.test'], ['Cookie', 'sid=abcdef123']], ...extra });
}

async function waitFor<T>(fn: () => T | undefined, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Subscribes and waits until the agent has registered the stream (so no event is missed). */
async function subscribeReady(req: Parameters<AgentClient['subscribe']>[0], got: WireIncidentEvent[]): Promise<ReturnType<AgentClient['subscribe']>> {
  // Earlier tests' cancelled streams unregister asynchronously: wait for them first.
  await waitFor(() => (agent.store.subscribers === 1 ? true : undefined), 'earlier subscriptions to end');
  const sub = client.subscribe(req, (ev) => got.push(ev));
  await waitFor(() => (agent.store.subscribers === 2 ? true : undefined), 'the subscription to register');
  return sub;
}

async function scrape(): Promise<string> {
  const res = await fetch(metricsUrl);
  assert.equal(res.status, 200);
  return res.text();
}

before(async () => {
  const config = defaultConfig();
  config.host.name = 'node-a';
  agent = new Agent({ config, stateDir: path.join(dir, 'state'), detectors: [crsDet, etDet], capture, grpcListen: '127.0.0.1:0', metricsListen: '127.0.0.1:0', evePath });
  const addr = await agent.start();
  assert.match(addr.grpc, /^127\.0\.0\.1:\d+$/);
  client = new AgentClient(addr.grpc);
  await client.waitReady();
  metricsUrl = `http://${addr.metrics}/metrics`;
});

after(async () => {
  client?.close();
  await agent?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a subscriber receives an incident pushed through the agent, with everything needed to judge it', async () => {
  const got: WireIncidentEvent[] = [];
  const sub = await subscribeReady({ filter: { min_severity: 'SEVERITY_HIGH' } }, got);

  capture.sink?.transaction(tx({ uri: '/ok' })); // benign: no incident
  capture.sink?.transaction(sqli());
  const ev = await waitFor(() => got[0], 'an incident event');
  sub.cancel();
  await sub.done;

  assert.equal(got.length, 1, 'the benign request raised nothing');
  assert.equal(ev.kind, 'KIND_RAISED');
  const inc = ev.incident;
  assert.ok(inc);
  assert.match(inc.id, /^inc-/);
  assert.equal(inc.host, 'node-a');
  assert.equal(inc.process?.pid, 1234);
  assert.equal(inc.process?.comm, 'webapp');
  assert.deepEqual(inc.process?.cmdline, ['webapp', '--port', '8080']);
  assert.equal(inc.connection?.direction, 'DIRECTION_INBOUND');
  assert.equal(inc.connection?.protocol, 'PROTOCOL_HTTP');
  assert.equal(inc.connection?.remote_address, '10.1.2.3');
  assert.equal(inc.connection?.local_port, 8080);
  assert.equal(inc.request?.method, 'GET');
  assert.equal(inc.request?.uri, "/search?q=1'%20OR%201=1&token=%5BREDACTED%5D");
  assert.deepEqual(inc.request?.headers.find((h) => h.name === 'Cookie'), { name: 'Cookie', value: '[REDACTED]' });
  assert.equal(inc.rules.length, 1);
  assert.deepEqual(
    { source: inc.rules[0].source, id: inc.rules[0].id, target: inc.rules[0].target, matched: inc.rules[0].matched, points: inc.rules[0].points, category: inc.rules[0].category },
    { source: 'RULE_SOURCE_CRS', id: '942100', target: 'ARGS:q', matched: "1' OR 1=1", points: 5, category: 'sqli' },
  );
  assert.equal(inc.score, 5);
  assert.equal(inc.threshold, 5);
  assert.equal(inc.severity, 'SEVERITY_CRITICAL');
  assert.equal(inc.count, '1');
  assert.equal(inc.masked, false);
  assert.equal(crsDet.contexts.at(-1)?.direction, 'inbound');
});

test('repeats within the window raise the count of the same incident; list returns it', async () => {
  const before = await client.listIncidents({});
  capture.sink?.transaction(sqli({ flow: flow({ client: { addr: '10.1.2.3', port: 51999 } }) }));
  const after = await client.listIncidents({});
  assert.equal(after.total, before.total, 'no new incident');
  assert.equal(after.incidents[0].count, '2');
  // A different remote is a different incident.
  capture.sink?.transaction(sqli({ flow: flow({ client: { addr: '10.9.9.9', port: 4000 } }) }));
  const r = await client.listIncidents({ limit: 1 });
  assert.equal(r.total, String(Number(before.total) + 1));
  assert.equal(r.incidents.length, 1);
  assert.equal(r.incidents[0].connection?.remote_address, '10.9.9.9');
});

test('outbound ET incident and raw TCP incident; subscription filters by direction, source and process', async () => {
  const got: WireIncidentEvent[] = [];
  const sub = await subscribeReady({ filter: { directions: ['DIRECTION_OUTBOUND'], sources: ['RULE_SOURCE_ET'], process_names: ['curl'] } }, got);
  const curl = flow({ localRole: 'client', comm: 'curl', pid: 4242, exe: '/usr/bin/curl', client: { addr: '10.0.0.5', port: 40000 }, server: { addr: '203.0.113.9', port: 80 } });
  capture.sink?.transaction(sqli()); // inbound CRS: filtered out
  capture.sink?.transaction(tx({ flow: curl, headers: [['Host', 'x'], ['User-Agent', 'EvilBot/1.0']] }));
  capture.sink?.streamChunk(chunk('BEACON id=7', { ...curl, id: 'ns1:77', server: { addr: '203.0.113.10', port: 4444 } }));
  await waitFor(() => (got.length >= 2 ? true : undefined), 'two outbound events');
  sub.cancel();
  const [a, b] = got.map((e) => e.incident);
  assert.equal(a?.process?.pid, 4242);
  assert.equal(a?.connection?.direction, 'DIRECTION_OUTBOUND');
  assert.equal(a?.connection?.remote_address, '203.0.113.9');
  assert.equal(a?.rules[0].id, '2024897');
  assert.equal(a?.rules[0].points, 5, 'ET severity 1 -> 5 points');
  assert.equal(a?.threshold, 4);
  assert.equal(b?.connection?.protocol, 'PROTOCOL_TCP');
  assert.equal(b?.stream?.data.toString(), 'BEACON id=7');
  assert.equal(got.length, 2);
});

test('request-time incident is updated with its response and the response rules', async () => {
  const got: WireIncidentEvent[] = [];
  const sub = await subscribeReady({ filter: {} }, got);
  const t = sqli({ flow: flow({ client: { addr: '10.7.7.7', port: 1 } }) });
  capture.sink?.transaction(t, 'request');
  t.response = tx({ status: 500, responseBody: 'You have an error in your SQL syntax' }).response;
  capture.sink?.transaction(t, 'response');
  await waitFor(() => (got.length >= 2 ? true : undefined), 'raised + updated');
  sub.cancel();
  assert.deepEqual(got.map((e) => e.kind), ['KIND_RAISED', 'KIND_UPDATED']);
  const inc = got[1].incident;
  assert.equal(inc?.response?.status, 500);
  assert.deepEqual(inc?.rules.map((r) => r.id), ['942100', '951220']);
  assert.equal(inc?.score, 9);
});

test('SetConfig: invalid rejected with the field named, running config kept; valid applies live', async () => {
  const c0 = await client.getConfig();
  assert.equal(c0.generation, '1');
  assert.match(c0.yaml, /inbound: 5/);
  await assert.rejects(client.setConfig({ yaml: 'detection:\n  thresholds:\n    inbound: -3\n' }), (err: grpc.ServiceError) => {
    assert.equal(err.code, grpc.status.INVALID_ARGUMENT);
    assert.match(err.details, /detection\.thresholds\.inbound/);
    assert.match(err.details, /generation 1 kept/);
    return true;
  });
  assert.equal((await client.getConfig()).generation, '1');
  await assert.rejects(client.setConfig({ yaml: 'https: {enabled: false}', expected_generation: 7 }), (err: grpc.ServiceError) => err.code === grpc.status.FAILED_PRECONDITION);

  const r = await client.setConfig({ yaml: 'detection:\n  thresholds:\n    inbound: 50\noutputs:\n  grpc:\n    listen: 127.0.0.1:50999\n', expected_generation: 1 });
  assert.equal(r.generation, '2');
  assert.ok(r.notes.some((n) => /outputs\.grpc/.test(n)));
  assert.equal(capture.applied.at(-1)?.detection.thresholds.inbound, 50, 'capture was given the new config');
  const n = agent.store.size;
  capture.sink?.transaction(sqli({ flow: flow({ client: { addr: '10.3.3.3', port: 1 } }) }));
  assert.equal(agent.store.size, n, 'score 5 is below the new inbound threshold 50');
  // Back to the defaults for the next tests.
  assert.equal((await client.setConfig({ yaml: '' })).generation, '3');
});

test('MaskIncident and SetRuleState over gRPC', async () => {
  const list = await client.listIncidents({});
  const target = list.incidents.find((i) => i.connection?.remote_address === '10.9.9.9');
  assert.ok(target);
  const m = await client.maskIncident({ id: target.id, future: true, reason: 'pentest box' });
  assert.equal(m.incident?.masked, true);
  assert.equal((await client.listIncidents({})).incidents.some((i) => i.id === target.id), false, 'masked hidden by default');
  assert.equal((await client.listIncidents({ filter: { include_masked: true } })).incidents.some((i) => i.id === target.id), true);
  await assert.rejects(client.maskIncident({ id: 'inc-nope' }), (err: grpc.ServiceError) => err.code === grpc.status.NOT_FOUND);

  const rs = await client.setRuleState({ rule_id: 2024897, source: 'RULE_SOURCE_ET', enabled: false });
  assert.deepEqual(rs.disabled_on_this_host, ['et:2024897']);
  assert.ok(etDet.disabled.has(2024897), 'the engine was told');
  const other = await client.setRuleState({ rule_id: 942100, enabled: false, host: 'some-other-node' });
  assert.deepEqual(other.disabled_on_this_host, ['et:2024897'], 'a rule off for another host stays on here');
  await assert.rejects(client.setRuleState({ rule_id: 0, enabled: false }), (err: grpc.ServiceError) => err.code === grpc.status.INVALID_ARGUMENT);
});

test('GetStatus: version, capture path, probes, counters, rule load reports', async () => {
  capture.snapshot = { ...capture.snapshot, events: { send: 10, recv: 12 }, drops: { kernel_ring: 3 } };
  const s = await client.getStatus();
  assert.equal(s.version, '0.1.0');
  assert.equal(s.host, 'node-a');
  assert.equal(s.capture_path, 'synthetic');
  assert.equal(s.analysis_enabled, true);
  assert.equal(s.probes.length, 2);
  assert.equal(s.probes[1].error, 'not a target');
  assert.equal(s.counters['events.send'], '10');
  assert.equal(s.counters['drops.kernel_ring'], '3');
  assert.ok(Number(s.counters['transactions']) >= 5);
  assert.ok(Number(s.counters['incidents_raised']) >= 4);
  assert.equal(s.rules.length, 2);
  assert.equal(s.rules[1].source, 'RULE_SOURCE_ET');
  assert.equal(s.rules[1].failed_by_reason['unsupported keyword foo'], '2');
  assert.equal(s.rules[1].failures[0].line, 7);
  assert.equal(s.rules[1].disabled_by_operator, '1');
  assert.equal(s.config_generation, '3');
  assert.ok(Number(s.incidents_masked) >= 1);
  assert.equal(s.eve_path, evePath);
});

test('/metrics is served and its counters move', async () => {
  const t1 = await scrape();
  assert.match(t1, /proctap_process_cpu_seconds_total/);
  assert.match(t1, /proctap_process_resident_memory_bytes/);
  assert.match(t1, /proctap_config_generation 3/);
  assert.match(t1, /proctap_drops_total\{stage="kernel_ring"\} 3/);
  assert.match(t1, /proctap_incidents_total\{severity="critical",source="crs"\} \d+/);
  assert.match(t1, /proctap_rule_evaluation_seconds_count\{engine="crs"\} \d+/);
  assert.match(t1, /proctap_bpf_program_runs_total\{program="sock_send_length"\} 0/);
  const crit = (t: string): number => Number(/proctap_incidents_total\{severity="critical",source="crs"\} (\d+)/.exec(t)?.[1] ?? 0);
  const evals = (t: string): number => Number(/proctap_rule_evaluation_seconds_count\{engine="crs"\} (\d+)/.exec(t)?.[1] ?? 0);
  const masked = (t: string): number => Number(/proctap_incidents_masked_total (\d+)/.exec(t)?.[1] ?? 0);

  capture.snapshot = { ...capture.snapshot, events: { send: 25, recv: 12 }, bpfPrograms: [{ name: 'sock_send_length', runCount: 40, runTimeNs: 2_000_000 }], uprobesAttached: 2 };
  capture.sink?.transaction(sqli({ flow: flow({ client: { addr: '10.4.4.4', port: 1 } }) }));
  // A future repeat of the masked incident (same process, rules, remote): still counted, as masked.
  capture.sink?.transaction(sqli({ flow: flow({ pid: 999, client: { addr: '10.9.9.9', port: 5 } }) }));
  const t2 = await scrape();
  assert.equal(crit(t2), crit(t1) + 2);
  assert.equal(masked(t2), masked(t1) + 1);
  assert.ok(evals(t2) >= evals(t1) + 2);
  assert.match(t2, /proctap_events_total\{type="send"\} 25/);
  assert.match(t2, /proctap_bpf_program_runs_total\{program="sock_send_length"\} 40/);
  assert.match(t2, /proctap_uprobes_attached 2/);
  const nf = await fetch(metricsUrl.replace('/metrics', '/other'));
  assert.equal(nf.status, 404);
});

test('EVE lines parse and carry the Suricata alert fields and the process under alert.metadata', () => {
  const lines = fs.readFileSync(evePath, 'utf8').trim().split('\n');
  assert.ok(lines.length >= 5);
  const evs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  // Suricata's EVE schema (etc/schema.json) forbids unknown keys at the top level, in `alert` and in
  // `http`: every key we write must be one of its names (a subset listed here).
  const TOP = ['timestamp', 'flow_id', 'event_type', 'src_ip', 'src_port', 'dest_ip', 'dest_port', 'proto', 'app_proto', 'direction', 'host', 'alert', 'http', 'payload', 'payload_printable'];
  const ALERT = ['action', 'gid', 'signature_id', 'rev', 'signature', 'category', 'severity', 'metadata'];
  const HTTP = ['hostname', 'url', 'http_user_agent', 'http_content_type', 'http_method', 'protocol', 'status', 'length', 'request_headers', 'response_headers'];
  for (const e of evs) {
    for (const k of Object.keys(e)) assert.ok(TOP.includes(k), `top-level key ${k}`);
    for (const k of Object.keys(e.alert as object)) assert.ok(ALERT.includes(k), `alert key ${k}`);
    for (const k of Object.keys((e.http as object | undefined) ?? {})) assert.ok(HTTP.includes(k), `http key ${k}`);
    for (const k of ['request_headers', 'response_headers']) {
      const hs = (e.http as Record<string, unknown> | undefined)?.[k];
      if (hs !== undefined) assert.ok(Array.isArray(hs) && hs.length > 0, `${k} present only when non-empty`);
    }
    assert.equal(e.event_type, 'alert');
    assert.match(String(e.timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+0000$/);
    for (const k of ['src_ip', 'dest_ip', 'proto', 'flow_id', 'src_port', 'dest_port']) assert.ok(k in e, `${k} in ${JSON.stringify(e)}`);
    const alert = e.alert as { signature_id: number; signature: string; severity: number; category: string; action: string; metadata: Record<string, unknown> };
    assert.equal(typeof alert.signature_id, 'number');
    assert.equal(typeof alert.signature, 'string');
    assert.ok(alert.severity >= 1 && alert.severity <= 4);
    assert.equal(alert.action, 'allowed');
    for (const [k, v] of Object.entries(alert.metadata)) {
      assert.ok(Array.isArray(v) && v.every((x) => typeof x === 'string'), `metadata ${k} is an array of strings`);
    }
  }
  const first = evs[0] as { src_ip: string; dest_ip: string; dest_port: number; http: { url: string; http_method: string }; alert: { signature_id: number; metadata: Record<string, string[]> } };
  assert.equal(first.src_ip, '10.1.2.3', 'src is the client');
  assert.equal(first.dest_ip, '10.1.2.1');
  assert.equal(first.dest_port, 8080);
  assert.equal(first.alert.signature_id, 942100);
  assert.equal(first.http.http_method, 'GET');
  assert.equal(first.http.url, "/search?q=1'%20OR%201=1&token=%5BREDACTED%5D");
  assert.deepEqual(first.alert.metadata.process_pid, ['1234']);
  assert.deepEqual(first.alert.metadata.process_comm, ['webapp']);
  assert.deepEqual(first.alert.metadata.proctap_direction, ['inbound']);
  const outbound = evs.find((e) => (e.alert as { signature_id: number }).signature_id === 2024897) as { src_ip: string; dest_ip: string; alert: { metadata: Record<string, string[]> } } | undefined;
  assert.ok(outbound);
  assert.equal(outbound.src_ip, '10.0.0.5', 'outbound: the local client is src');
  assert.equal(outbound.dest_ip, '203.0.113.9');
  assert.deepEqual(outbound.alert.metadata.process_exe, ['/usr/bin/curl']);
  // Masked incidents are not written.
  const maskedId = evs.filter((e) => ((e.alert as { metadata: Record<string, string[]> }).metadata.proctap_incident_id ?? [])[0] === undefined);
  assert.equal(maskedId.length, 0);
});
