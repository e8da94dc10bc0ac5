// Operator decisions survive a restart: a new Agent on the same state dir still masks future repeats
// of a masked incident and still skips a rule turned off. Synthetic transactions through fake
// Detectors (see agent-fixtures.ts); the real engines are wired in later through the same interface.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Agent } from '../src/agent/agent';
import { defaultConfig } from '../src/config/defaults';
import { JsonFileStateStore, StateFileError } from '../src/state/json-file-store';
import { fakeEngines, tx, flow } from './agent-fixtures';

function newAgent(stateDir: string): { agent: Agent; engines: ReturnType<typeof fakeEngines> } {
  const engines = fakeEngines();
  const config = defaultConfig();
  config.host.name = 'node-b';
  const agent = new Agent({ config, stateDir, detectors: [engines.crsDet, engines.etDet], grpcListen: null, metricsListen: null, evePath: null, defaultMetrics: false });
  return { agent, engines };
}

const attack = (pid: number, port: number): ReturnType<typeof tx> => tx({ uri: '/q?x=1%20OR%201=1', flow: flow({ pid, client: { addr: '10.5.5.5', port } }) });
const evil = (): ReturnType<typeof tx> =>
  tx({ flow: flow({ localRole: 'client', comm: 'curl', pid: 300, client: { addr: '10.0.0.2', port: 3000 }, server: { addr: '192.0.2.1', port: 80 } }), headers: [['User-Agent', 'EvilBot']] });

test('mask (with future repeats) and rule-off persist across an agent restart', async () => {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'proctap-state-'));
  try {
    const first = newAgent(stateDir);
    await first.agent.start();
    const raised = first.agent.handleTransaction(attack(100, 1));
    assert.equal(raised?.kind, 'raised');
    const id = raised?.incident.id ?? '';
    await first.agent.maskIncident(id, true, 'scanner we run');
    assert.equal(first.agent.store.get(id)?.masked, true);
    // Live: a repeat stays masked.
    assert.equal(first.agent.handleTransaction(attack(100, 2))?.incident.masked, true);
    assert.equal(first.agent.handleTransaction(evil())?.incident.rules[0].id, 2024897);
    await first.agent.setRuleState(2024897, false, { source: 'et' });
    assert.equal(first.agent.handleTransaction(evil()), undefined, 'rule off applies live');
    await first.agent.stop();

    const saved = JSON.parse(fs.readFileSync(path.join(stateDir, 'state.json'), 'utf8')) as { masks: unknown[]; rules: unknown[] };
    assert.equal(saved.masks.length, 1);
    assert.equal(saved.rules.length, 1);

    const second = newAgent(stateDir);
    await second.agent.start();
    assert.ok(second.engines.etDet.disabled.has(2024897), 'the engine is told at start');
    assert.equal(second.agent.handleTransaction(evil()), undefined, 'rule still off after restart');
    // The same process name/exe, rules and remote from a new pid (the service restarted too): masked.
    const again = second.agent.handleTransaction(attack(555, 9));
    assert.equal(again?.kind, 'raised');
    assert.equal(again?.incident.masked, true);
    assert.equal(second.agent.status().incidentsMasked, 1);
    // Another remote is not covered by the mask.
    const other = second.agent.handleTransaction(tx({ uri: '/q?x=1%20OR%201=1', flow: flow({ client: { addr: '10.6.6.6', port: 1 } }) }));
    assert.equal(other?.incident.masked, false);
    // Turning the rule back on works and persists.
    await second.agent.setRuleState(2024897, true, { source: 'et' });
    assert.equal(second.agent.handleTransaction(evil())?.kind, 'raised');
    await second.agent.stop();

    const third = newAgent(stateDir);
    await third.agent.start();
    assert.equal(third.engines.etDet.disabled.has(2024897), false);
    await third.agent.stop();
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
});

test('a per-host rule decision overrides the global one on that host only', async () => {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'proctap-state-'));
  try {
    const { agent } = newAgent(stateDir);
    await agent.start();
    await agent.setRuleState(942100, false);
    assert.equal(agent.handleTransaction(attack(1, 1)), undefined, 'globally off');
    await agent.setRuleState(942100, true, { host: 'node-b' });
    assert.equal(agent.handleTransaction(attack(1, 2))?.kind, 'raised', 'on for this host');
    await agent.setRuleState(942100, false, { host: 'node-z' });
    assert.equal(agent.handleTransaction(attack(1, 3))?.kind, 'repeated', 'another host does not matter here');
    await agent.stop();
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
});

test('an unreadable state file stops the start instead of losing decisions', async () => {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'proctap-state-'));
  try {
    fs.writeFileSync(path.join(stateDir, 'state.json'), '{"version": 1, "masks": [');
    const store = new JsonFileStateStore(stateDir);
    await assert.rejects(store.load(), (e: unknown) => e instanceof StateFileError && /state\.json: invalid JSON/.test(e.message));
    const { agent } = newAgent(stateDir);
    await assert.rejects(agent.start(), /invalid JSON/);
    assert.equal(fs.readFileSync(path.join(stateDir, 'state.json'), 'utf8'), '{"version": 1, "masks": [', 'file untouched');
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
});

test('analysis off, HTTPS off and the process filter skip traffic; detector errors are counted, not thrown', async () => {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'proctap-state-'));
  try {
    const { agent, engines } = newAgent(stateDir);
    await agent.start();
    const tlsFlow = flow({ tls: true, tlsLink: 'exact', client: { addr: '10.8.8.8', port: 1 } });
    assert.equal(agent.handleTransaction(tx({ uri: '/?a=1%20OR%201=1', flow: tlsFlow }))?.incident.connection.protocol, 'https');
    assert.ok(agent.setConfigText('https: { enabled: false }').ok);
    assert.equal(agent.handleTransaction(tx({ uri: '/?a=1%20OR%201=1', flow: { ...tlsFlow, client: { addr: '10.8.8.9', port: 1 } } })), undefined);
    assert.ok(agent.setConfigText('processes: { mode: exclude, names: [webapp] }').ok);
    assert.equal(agent.handleTransaction(attack(1, 1)), undefined);
    assert.ok(agent.setConfigText('analysis: { enabled: false }').ok);
    assert.equal(agent.handleTransaction(evil()), undefined);
    const c = agent.status().counters;
    assert.equal(c.skipped_https_off, 1);
    assert.equal(c.skipped_process_filter, 1);
    assert.equal(c.skipped_analysis_off, 1);
    assert.ok(agent.setConfigText('').ok);
    engines.crsDet.evaluateRequest = () => {
      throw new Error('engine bug');
    };
    // The CRS adapter throws; ET still runs and raises.
    assert.equal(agent.handleTransaction(evil())?.kind, 'raised');
    assert.equal(agent.status().counters.detector_errors, 1);
    await agent.stop();
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
});
