// The sensor end to end: the real `proctap agent` (eBPF capture scoped to this test's network
// namespace, CRS from Debian's package, ET rules from the shared ET Open snapshot) against real
// python servers and curl clients; incidents are read from the gRPC stream, EVE and /metrics.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Netns, startPyServer } from './capture-helpers';
import { makeCert, startPyHttps, type Cert } from './tls-helpers';
import {
  configYaml,
  curl,
  ET_SIDS,
  etSubsetDir,
  follow,
  incidents,
  metricsText,
  sample,
  startAgent,
  startPyHttp,
  tmp,
  waitFor,
  waitMetrics,
  type AgentProc,
} from './e2e-helpers';
import type { WireIncident } from '../src/agent/wire';

let ns: Netns;
let agent: AgentProc;
let stream: ReturnType<typeof follow>;
let http: { port: number; pid: number };
let https: { port: number; pid: number };
let cert: Cert;
let eve: string;
let etDir: string;

before(async () => {
  ns = new Netns();
  const dir = tmp('detect');
  eve = path.join(dir, 'eve.json');
  cert = makeCert();
  etDir = etSubsetDir([ET_SIDS.zeusUa, ET_SIDS.stratum]);
  agent = await startAgent(ns, { config: configYaml({ etDir, eve }) });
  stream = follow(agent.client);
  const h = await startPyHttp(ns, dir);
  http = { port: h.port, pid: h.child.pid! };
  const s = await startPyHttps(ns, cert);
  https = { port: s.port, pid: s.child.pid! };
});

after(async () => {
  stream?.cancel();
  await agent?.stop();
  ns?.remove();
  if (cert) fs.rmSync(cert.dir, { recursive: true, force: true });
});

const hasRule = (inc: WireIncident, pred: (id: number, src: string) => boolean) => inc.rules.some((r) => pred(Number(r.id), r.source));
const isSqli = (id: number, src: string) => src === 'RULE_SOURCE_CRS' && id >= 942000 && id < 943000;

test('inbound SQL injection to a server in the namespace: incident on the gRPC stream with the server process, inbound, CRS 942xxx', async () => {
  await curl(ns, ['-o', '/dev/null', `http://127.0.0.1:${http.port}/item?id=1'%20OR%20'1'='1`]);
  const inc = await waitFor(
    () => incidents(stream.events).find((i) => i.connection?.direction === 'DIRECTION_INBOUND' && i.process?.pid === http.pid && hasRule(i, isSqli)),
    'an inbound SQLi incident',
  );
  assert.equal(inc.process!.comm, 'python3');
  assert.match(inc.process!.exe, /python3/);
  assert.ok(inc.process!.cmdline.some((a) => a.endsWith('server.py')), JSON.stringify(inc.process!.cmdline));
  assert.ok(inc.process!.ppid > 0);
  assert.equal(inc.connection!.role, 'SOCKET_ROLE_SERVER');
  assert.equal(inc.connection!.protocol, 'PROTOCOL_HTTP');
  assert.equal(inc.connection!.local_port, http.port);
  assert.equal(inc.request!.method, 'GET');
  assert.match(inc.request!.uri, /^\/item\?id=1'%20OR%20'1'='1/);
  assert.ok(inc.score >= inc.threshold && inc.threshold === 5, `score ${inc.score} threshold ${inc.threshold}`);
  const rule = inc.rules.find((r) => isSqli(Number(r.id), r.source))!;
  assert.ok(rule.msg.length > 0 && rule.target.length > 0, JSON.stringify(rule));
});

test('outbound request with an ET-detected user agent: incident with the client (curl) process, outbound, the ET sid', async () => {
  // The client uses its own loopback address so the two ends of the flow differ (127.0.0.2 -> 127.0.0.1).
  const r = await curl(ns, ['--interface', '127.0.0.2', '-o', '/dev/null', '-A', 'z00sAgent', `http://127.0.0.1:${http.port}/gate.php`]);
  const inc = await waitFor(
    () => incidents(stream.events).find((i) => i.connection?.direction === 'DIRECTION_OUTBOUND' && hasRule(i, (id, src) => src === 'RULE_SOURCE_ET' && id === ET_SIDS.zeusUa)),
    'an outbound ET incident',
  );
  assert.equal(inc.process!.pid, r.pid);
  assert.equal(inc.process!.comm, 'curl');
  assert.equal(inc.connection!.role, 'SOCKET_ROLE_CLIENT');
  assert.equal(inc.connection!.remote_port, http.port);
  assert.equal(inc.connection!.local_address, '127.0.0.2');
  const rule = inc.rules.find((x) => Number(x.id) === ET_SIDS.zeusUa)!;
  assert.match(rule.msg, /Zeus/);
  assert.equal(rule.target, 'http.user_agent');
  assert.match(rule.matched, /z00sAgent/);
  // The same rule does not fire on the server's side of that connection: there HOME_NET is the
  // server (127.0.0.1), the client is EXTERNAL_NET, and the rule is written $HOME_NET -> $EXTERNAL_NET.
  await new Promise((res) => setTimeout(res, 500));
  assert.equal(
    incidents(stream.events).filter((i) => i.connection?.direction === 'DIRECTION_INBOUND' && hasRule(i, (id) => id === ET_SIDS.zeusUa)).length,
    0,
  );
});

test('the same over HTTPS: plaintext from the TLS probes, inbound CRS and outbound ET incidents', async () => {
  await curl(ns, ['-k', '-o', '/dev/null', `https://127.0.0.1:${https.port}/search?q=1'%20UNION%20SELECT%20password%20FROM%20users--`]);
  const inbound = await waitFor(
    () => incidents(stream.events).find((i) => i.connection?.direction === 'DIRECTION_INBOUND' && i.process?.pid === https.pid && hasRule(i, isSqli)),
    'an inbound HTTPS SQLi incident',
  );
  assert.equal(inbound.connection!.protocol, 'PROTOCOL_HTTPS');
  assert.equal(inbound.connection!.tls, true);
  assert.match(inbound.request!.uri, /UNION%20SELECT/);

  const r = await curl(ns, ['-k', '-o', '/dev/null', '-A', 'z00sAgent', `https://127.0.0.1:${https.port}/gate.php`]);
  const outbound = await waitFor(
    () => incidents(stream.events).find((i) => i.connection?.direction === 'DIRECTION_OUTBOUND' && i.process?.pid === r.pid && hasRule(i, (id) => id === ET_SIDS.zeusUa)),
    'an outbound HTTPS ET incident',
  );
  assert.equal(outbound.connection!.protocol, 'PROTOCOL_HTTPS');
  assert.equal(outbound.connection!.tls_link, 'TLS_LINK_EXACT');
});

test('EVE: one valid alert line per sighting, process facts under alert.metadata', async () => {
  await waitFor(() => fs.existsSync(eve) && fs.readFileSync(eve, 'utf8').split('\n').filter(Boolean).length >= 3, 'EVE lines');
  const lines = fs.readFileSync(eve, 'utf8').split('\n').filter(Boolean);
  const recs = lines.map((l) => JSON.parse(l) as Record<string, any>);
  for (const r of recs) {
    assert.equal(r.event_type, 'alert');
    assert.ok(!Number.isNaN(Date.parse(r.timestamp)), r.timestamp);
    assert.ok(Number.isInteger(r.alert.signature_id) && r.alert.signature_id > 0);
    assert.ok(typeof r.src_ip === 'string' && Number.isInteger(r.src_port) && Number.isInteger(r.dest_port));
    assert.ok(Array.isArray(r.alert.metadata.process_pid) && Array.isArray(r.alert.metadata.proctap_incident_id));
  }
  const zeus = recs.find((r) => r.alert.signature_id === ET_SIDS.zeusUa);
  assert.ok(zeus, 'the ET alert is in EVE');
  assert.deepEqual(zeus!.alert.metadata.process_comm, ['curl']);
  assert.ok(recs.some((r) => r.alert.signature_id >= 942000 && r.alert.signature_id < 943000 && r.alert.metadata.process_comm[0] === 'python3'));
});

test('/metrics: capture, analysis and incident counters are present and move with traffic', async () => {
  const m0 = await metricsText(agent);
  for (const name of ['proctap_events_total', 'proctap_bytes_total', 'proctap_drops_total', 'proctap_incidents_total', 'proctap_analysed_total', 'proctap_config_generation', 'proctap_rule_evaluation_seconds_count', 'proctap_uprobes_attached']) {
    assert.ok(sample(m0, name) !== undefined, `${name} in /metrics`);
  }
  for (const stage of ['kernel_ring', 'addon_queue', 'flow_limits', 'parser_gaps']) assert.ok(sample(m0, 'proctap_drops_total', { stage }) !== undefined, `drops ${stage}`);
  assert.ok(sample(m0, 'proctap_uprobes_attached')! > 0, 'TLS uprobes attached');
  const sends0 = sample(m0, 'proctap_events_total', { type: 'send' }) ?? 0;
  const analysed0 = sample(m0, 'proctap_analysed_total', { direction: 'inbound', protocol: 'http' }) ?? 0;
  const inc0 = sample(m0, 'proctap_incidents_total') ?? 0;
  for (let i = 0; i < 3; i++) await curl(ns, ['-o', '/dev/null', `http://127.0.0.1:${http.port}/page${i}?q=<script>alert(${i})</script>`]);
  const text = await waitMetrics(
    agent,
    (t) => (sample(t, 'proctap_incidents_total') ?? 0) >= inc0 + 6 && (sample(t, 'proctap_analysed_total', { direction: 'inbound', protocol: 'http' }) ?? 0) >= analysed0 + 3,
  );
  assert.ok((sample(text, 'proctap_events_total', { type: 'send' }) ?? 0) > sends0, 'send events grew');
  assert.ok((sample(text, 'proctap_analysed_total', { direction: 'inbound', protocol: 'http' }) ?? 0) >= analysed0 + 3, 'inbound http analysed grew');
  assert.ok((sample(text, 'proctap_incidents_total') ?? 0) >= inc0 + 6, 'incidents grew (3 XSS, each seen inbound and outbound)');
  assert.ok((sample(text, 'proctap_rule_evaluation_seconds_count', { engine: 'crs' }) ?? 0) > 0);
  assert.equal(sample(text, 'proctap_drops_total', { stage: 'kernel_ring' }), 0);
  // Kernel BPF statistics (BPF_ENABLE_STATS while the agent runs): the capture programs ran.
  assert.ok((sample(text, 'proctap_bpf_program_runs_total') ?? 0) > 0, 'BPF program run counts');
  assert.ok((sample(text, 'proctap_bpf_program_run_seconds_total') ?? 0) > 0, 'BPF program run time');
});

test('HTTPS capture off live: the TLS probes go, HTTPS attacks are not seen; on again: they are', async () => {
  const gen0 = Number((await agent.client.getConfig()).generation);
  await agent.client.setConfig({ yaml: configYaml({ etDir, eve }) + 'https: { enabled: false }\n' });
  const off = await waitMetrics(agent, (t) => sample(t, 'proctap_uprobes_attached') === 0);
  assert.equal(sample(off, 'proctap_uprobes_attached'), 0, 'no uprobes while HTTPS capture is off');
  assert.equal(sample(off, 'proctap_config_generation'), gen0 + 1);
  await curl(ns, ['-k', '-o', '/dev/null', `https://127.0.0.1:${https.port}/tls-off?q=1'%20UNION%20SELECT%201--`]);
  // Plain HTTP still works meanwhile (the sensor was reopened without the TLS probes).
  await curl(ns, ['-o', '/dev/null', `http://127.0.0.1:${http.port}/plain-while-off?id=1'%20OR%20'1'='1`]);
  await waitFor(() => incidents(stream.events).find((i) => i.request?.uri.startsWith('/plain-while-off?')), 'the plain HTTP incident');
  assert.equal(incidents(stream.events).filter((i) => i.request?.uri.startsWith('/tls-off?')).length, 0, 'no HTTPS incident with HTTPS off');

  await agent.client.setConfig({ yaml: configYaml({ etDir, eve }) });
  const on = await waitMetrics(agent, (t) => (sample(t, 'proctap_uprobes_attached') ?? 0) > 0);
  assert.ok((sample(on, 'proctap_uprobes_attached') ?? 0) > 0);
  await curl(ns, ['-k', '-o', '/dev/null', `https://127.0.0.1:${https.port}/tls-on?q=1'%20UNION%20SELECT%201--`]);
  const inc = await waitFor(() => incidents(stream.events).find((i) => i.request?.uri.startsWith('/tls-on?') && i.connection?.direction === 'DIRECTION_INBOUND'), 'the HTTPS incident after turning it on');
  assert.equal(inc.connection!.protocol, 'PROTOCOL_HTTPS');
});

test('raw TCP (not HTTP): an outbound Stratum mining login raises an ET tcp incident with the client process', async () => {
  const sink = await startPyServer(ns, '127.0.0.1', 'sink');
  const msg = '{"id": 1, "method": "mining.subscribe", "params": ["cpuminer/2.5.1"]}\n';
  const py = `import socket, time\ns = socket.create_connection(('127.0.0.1', ${sink.port}), source_address=('127.0.0.2', 0))\ns.sendall(${JSON.stringify(msg)}.encode())\ntime.sleep(0.3)\ns.close()`;
  const r = await ns.run('python3', ['-c', py]);
  assert.equal(r.code, 0, r.stderr);
  const inc = await waitFor(() => incidents(stream.events).find((i) => hasRule(i, (id) => id === ET_SIDS.stratum)), 'the stratum incident');
  assert.equal(inc.connection!.protocol, 'PROTOCOL_TCP');
  assert.equal(inc.connection!.direction, 'DIRECTION_OUTBOUND');
  assert.equal(inc.process!.pid, r.pid);
  assert.equal(inc.connection!.remote_port, sink.port);
  assert.equal(inc.request, null);
  assert.ok(inc.stream, 'the stream data is in the incident');
  assert.match(inc.rules.find((x) => Number(x.id) === ET_SIDS.stratum)!.msg, /COINMINER/);
});

test('IPv6: inbound SQLi to a server on ::1 and the outbound ET user agent, with IPv6 addresses in the incidents', async () => {
  const v6 = await startPyHttp(ns, tmp('v6'), '::1');
  await curl(ns, ['-g', '-o', '/dev/null', `http://[::1]:${v6.port}/v6?id=1'%20OR%20'1'='1`]);
  const inbound = await waitFor(
    () => incidents(stream.events).find((i) => i.request?.uri.startsWith('/v6?') && i.connection?.direction === 'DIRECTION_INBOUND' && hasRule(i, isSqli)),
    'the IPv6 inbound incident',
  );
  assert.equal(inbound.process!.pid, v6.child.pid);
  assert.equal(inbound.connection!.local_address, '::1');
  assert.equal(inbound.connection!.ip_version, 6);
  const r = await curl(ns, ['-g', '-o', '/dev/null', '-A', 'z00sAgent', `http://[::1]:${v6.port}/v6-gate.php`]);
  const outbound = await waitFor(
    () => incidents(stream.events).find((i) => i.connection?.direction === 'DIRECTION_OUTBOUND' && i.process?.pid === r.pid && hasRule(i, (id) => id === ET_SIDS.zeusUa)),
    'the IPv6 outbound ET incident',
  );
  assert.equal(outbound.connection!.remote_address, '::1');
});

test('rules.et.vars: an explicit HOME_NET replaces the per-flow binding, live', async () => {
  // HOME_NET elsewhere: the loopback client is no longer "home", so $HOME_NET -> $EXTERNAL_NET does not fire.
  await agent.client.setConfig({ yaml: configYaml({ etDir, eve, etVars: { HOME_NET: '[10.99.0.0/16]' } }) });
  const analysed = async () => Number((await agent.client.getStatus()).counters['et.requests'] ?? 0);
  const before = await analysed();
  const r = await curl(ns, ['--interface', '127.0.0.2', '-o', '/dev/null', '-A', 'z00sAgent', `http://127.0.0.1:${http.port}/vars-off.php`]);
  const end = Date.now() + 5000;
  while ((await analysed()) < before + 2 && Date.now() < end) await new Promise((res) => setTimeout(res, 100));
  assert.ok((await analysed()) >= before + 2, 'ET evaluated both ends of the request');
  assert.equal(incidents(stream.events).filter((i) => i.process?.pid === r.pid && hasRule(i, (id) => id === ET_SIDS.zeusUa)).length, 0, 'no ET match with HOME_NET elsewhere');
  // Back to the host binding: it fires again.
  await agent.client.setConfig({ yaml: configYaml({ etDir, eve }) });
  const r2 = await curl(ns, ['--interface', '127.0.0.2', '-o', '/dev/null', '-A', 'z00sAgent', `http://127.0.0.1:${http.port}/vars-on.php`]);
  await waitFor(() => incidents(stream.events).find((i) => i.process?.pid === r2.pid && hasRule(i, (id) => id === ET_SIDS.zeusUa)), 'the ET incident with the host binding');
});
