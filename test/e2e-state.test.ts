// Operator decisions end to end: masking an incident (and its future repeats) and turning a rule off
// take effect at once on live traffic, are kept in the state directory, and still hold after the
// real agent restarts; masked incidents are still counted in /metrics.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Netns } from './capture-helpers';
import { configYaml, curl, follow, incidents, metricsText, sample, startAgent, startPyHttp, tmp, waitMetrics, type AgentProc } from './e2e-helpers';
import type { WireIncident } from '../src/agent/wire';

let ns: Netns;
let agent: AgentProc;
let stream: ReturnType<typeof follow>;
let port: number;
let serverPid: number;
const stateDir = tmp('state-keep');
const CONFIG = configYaml({ extra: 'incidents: { repeat_window_seconds: 0 }' });

before(async () => {
  ns = new Netns();
  agent = await startAgent(ns, { config: CONFIG, stateDir });
  stream = follow(agent.client);
  const s = await startPyHttp(ns, tmp('state-srv'));
  port = s.port;
  serverPid = s.child.pid!;
});

after(async () => {
  stream?.cancel();
  await agent?.stop();
  ns?.remove();
});

// A named host keeps CRS's "numeric Host header" rule out, so 942100 alone decides.
const SQLI = (step: string) => ['-o', '/dev/null', '-H', 'Host: shop.test', '-A', 'Mozilla/5.0', `http://127.0.0.1:${port}/${step}?id=1'%20OR%20'1'='1`];
const XSS = (step: string) => ['-o', '/dev/null', '-H', 'Host: shop.test', '-A', 'Mozilla/5.0', `http://127.0.0.1:${port}/${step}?q=%3Cscript%3Ealert(1)%3C/script%3E`];

async function held(step: string): Promise<WireIncident[]> {
  const r = await agent.client.listIncidents({ filter: { include_masked: true }, limit: 1000 });
  return r.incidents.filter((i) => i.request?.uri.startsWith(`/${step}?`));
}

/** Sends the request, then waits until the server's side has been analysed (an incident or, after a pause, none). */
async function send(args: string[], step: string, expectIncident: boolean): Promise<WireIncident[]> {
  await curl(ns, args);
  const end = Date.now() + (expectIncident ? 10_000 : 1500);
  for (;;) {
    const h = await held(step);
    if ((expectIncident && h.some((i) => i.connection?.direction === 'DIRECTION_INBOUND')) || Date.now() > end) return h;
    await new Promise((r) => setTimeout(r, 150));
  }
}

let firstId = '';

test('mask with --future: the incident and the same process/rules/remote later are masked live; still counted', async () => {
  const h1 = await send(SQLI('mask-1'), 'mask-1', true);
  const inc = h1.find((i) => i.connection?.direction === 'DIRECTION_INBOUND' && i.process?.pid === serverPid);
  assert.ok(inc, 'an inbound incident to mask');
  firstId = inc!.id;
  const m0 = sample(await metricsText(agent), 'proctap_incidents_masked_total') ?? 0;
  const r = await agent.client.maskIncident({ id: inc!.id, future: true, reason: 'known scanner' });
  assert.equal(r.incident!.masked, true);

  const h2 = await send(SQLI('mask-2'), 'mask-2', true);
  const again = h2.find((i) => i.connection?.direction === 'DIRECTION_INBOUND');
  assert.ok(again, 'the repeat is still raised and held');
  assert.equal(again!.masked, true, 'and masked');
  assert.equal(h2.find((i) => i.connection?.direction === 'DIRECTION_OUTBOUND')?.masked, false, 'the client side is another process: not masked');
  assert.ok(!incidents(stream.events).some((i) => i.request?.uri.startsWith('/mask-2?') && i.connection?.direction === 'DIRECTION_INBOUND'), 'masked incidents are not streamed by default');
  const text = await waitMetrics(agent, (t) => (sample(t, 'proctap_incidents_masked_total') ?? 0) > m0);
  assert.ok((sample(text, 'proctap_incidents_masked_total') ?? 0) > m0, 'masked incidents are counted');
});

test('rule off on this host: 942100 stops scoring at once, other rules still work', async () => {
  const r = await agent.client.setRuleState({ rule_id: 942100, enabled: false, source: 'RULE_SOURCE_CRS' });
  assert.ok(r.disabled_on_this_host.some((k) => k.endsWith('942100')), JSON.stringify(r));
  const h = await send(SQLI('rule-off'), 'rule-off', false);
  assert.deepEqual(h, [], 'no incident once the only matching rule is off');
  const x = await send(XSS('xss-while-off'), 'xss-while-off', true);
  assert.ok(x.some((i) => i.rules.some((m) => Number(m.id) >= 941000 && Number(m.id) < 942000)), 'XSS still raises');
});

test('after a restart with the same state directory: the rule is still off and the mask still applies', async () => {
  stream.cancel();
  assert.equal(await agent.stop(), 0, 'the agent exits cleanly on SIGTERM');
  agent = await startAgent(ns, { config: CONFIG, stateDir });
  stream = follow(agent.client);
  const states = await agent.client.setRuleState({ rule_id: 941999, enabled: true }); // a no-op that lists the states
  assert.ok(states.rules.some((s) => s.rule_id === '942100' && !s.enabled), JSON.stringify(states.rules));

  const h = await send(SQLI('after-restart-off'), 'after-restart-off', false);
  assert.deepEqual(h, [], '942100 is still off');

  await agent.client.setRuleState({ rule_id: 942100, enabled: true, source: 'RULE_SOURCE_CRS' });
  const h2 = await send(SQLI('after-restart-on'), 'after-restart-on', true);
  const inbound = h2.find((i) => i.connection?.direction === 'DIRECTION_INBOUND');
  assert.ok(inbound, 'the rule scores again once enabled');
  assert.equal(inbound!.masked, true, `the mask of ${firstId} (future) survived the restart`);
});
