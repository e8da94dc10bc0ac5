// Configuration: defaults, validation messages that name the field, live updates that keep the old
// configuration when the new one is invalid, and the process filter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseConfigText, loadConfigFile, configToYaml, ConfigError } from '../src/config/load';
import { ConfigStore } from '../src/config/store';
import { defaultConfig } from '../src/config/defaults';
import { ProcessMatcher, globToRegExp } from '../src/config/process-filter';
import { categoryOf } from '../src/config/categories';

test('an empty document gives the documented defaults', () => {
  const r = parseConfigText('');
  assert.ok(r.ok);
  const c = r.config;
  assert.equal(c.analysis.enabled, true);
  assert.equal(c.processes.mode, 'all');
  assert.equal(c.https.enabled, true);
  assert.deepEqual(c.detection.thresholds, { inbound: 5, outbound: 4 });
  assert.equal(c.detection.paranoia, 1);
  assert.deepEqual(c.detection.severity_points, { '1': 5, '2': 4, '3': 3, '4': 2 });
  assert.deepEqual(c.rules.inbound.http, { crs: ['all'], et: ['all'] });
  assert.deepEqual(c.rules.outbound.https, { crs: ['all'], et: ['all'] });
  assert.equal(c.redaction.enabled, true);
  assert.ok(c.redaction.headers.includes('authorization'));
  assert.ok(c.redaction.headers.includes('set-cookie'));
  assert.equal(c.outputs.grpc.listen, '127.0.0.1:50051');
});

test('a partial document overlays the defaults', () => {
  const r = parseConfigText(`
processes:
  mode: include
  names: [nginx, node]
  exe: ['/usr/bin/*']
detection:
  thresholds: { inbound: 10 }
rules:
  outbound:
    http: { crs: [sqli, xss], et: [malware] }
`);
  assert.ok(r.ok, r.ok ? '' : r.errors.join('\n'));
  assert.deepEqual(r.config.processes.names, ['nginx', 'node']);
  assert.equal(r.config.detection.thresholds.inbound, 10);
  assert.equal(r.config.detection.thresholds.outbound, 4);
  assert.deepEqual(r.config.rules.outbound.http.crs, ['sqli', 'xss']);
  assert.deepEqual(r.config.rules.outbound.https.crs, ['all']);
});

test('invalid documents are rejected with messages naming each field', () => {
  const r = parseConfigText(
    `
processes:
  mode: only
  names: [a-very-long-process-name]
detection:
  paranoia: 7
  thresholds: { inbound: "five" }
rules:
  inbound:
    http: { crs: [sqli, nosuch] }
    tcp: { crs: [sqli] }
outputs:
  grpc: { listen: "localhost" }
tresholds: 3
`,
    'test.yaml',
  );
  assert.equal(r.ok, false);
  const errs = r.ok ? '' : r.errors.join('\n');
  assert.match(errs, /test\.yaml:3: processes\.mode: must be one of all, include, exclude, got 'only'/);
  // Errors come in file order, each with the line of its field.
  assert.match(r.ok ? '' : r.errors[0], /^test\.yaml:3: processes\.mode/);
  assert.match(errs, /test\.yaml:14: tresholds: unknown field/);
  assert.match(errs, /processes\.names\[0\]: a process name \(comm\) has 1 to 15 characters/);
  assert.match(errs, /detection\.paranoia: must be 1, 2, 3 or 4, got 7/);
  assert.match(errs, /detection\.thresholds\.inbound: expected a number, got 'five'/);
  assert.match(errs, /rules\.inbound\.http\.crs\[1\]: unknown category 'nosuch'/);
  assert.match(errs, /rules\.inbound\.tcp\.crs: CRS rules apply to HTTP only/);
  assert.match(errs, /outputs\.grpc\.listen: expected HOST:PORT/);
  assert.match(errs, /tresholds: unknown field/);
});

test('YAML syntax errors name the source and the position', () => {
  const r = parseConfigText('analysis:\n  enabled: [true\n', 'bad.yaml');
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.errors[0], /^bad\.yaml: .*line \d+/);
});

test('include mode with nothing listed is an error', () => {
  const r = parseConfigText('processes: { mode: include }');
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.errors[0], /processes: mode 'include' needs at least one entry/);
});

test('loadConfigFile reads a file and throws ConfigError naming the file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proctap-cfg-'));
  const good = path.join(dir, 'good.yaml');
  fs.writeFileSync(good, 'https: { enabled: false }\n');
  assert.equal(loadConfigFile(good).https.enabled, false);
  const bad = path.join(dir, 'bad.yaml');
  fs.writeFileSync(bad, 'https: { enabled: maybe }\n');
  assert.throws(() => loadConfigFile(bad), (e: unknown) => e instanceof ConfigError && /bad\.yaml:1: https\.enabled: expected true or false/.test(e.message));
  fs.rmSync(dir, { recursive: true });
});

test('the YAML written by configToYaml reads back to the same configuration', () => {
  const c = defaultConfig();
  c.processes = { mode: 'exclude', names: ['sshd'], exe: [], cgroups: ['/system.slice'], containers: [] };
  const r = parseConfigText(configToYaml(c));
  assert.ok(r.ok);
  assert.deepEqual(r.config, c);
});

test('ConfigStore: an invalid update is rejected and the running configuration and generation are kept', () => {
  const store = new ConfigStore(defaultConfig());
  assert.equal(store.generation, 1);
  const changes: number[] = [];
  store.onChange((c) => changes.push(c.generation));

  const bad = store.updateFromText('detection: { thresholds: { inbound: 0 } }');
  assert.equal(bad.ok, false);
  assert.match(bad.ok ? '' : bad.errors[0], /detection\.thresholds\.inbound: must be between 1 and 10000, got 0/);
  assert.equal(store.generation, 1);
  assert.equal(store.current.detection.thresholds.inbound, 5);
  assert.deepEqual(changes, []);

  const good = store.updateFromText('detection: { thresholds: { inbound: 8 } }');
  assert.ok(good.ok);
  assert.equal(store.generation, 2);
  assert.equal(store.current.detection.thresholds.inbound, 8);
  assert.deepEqual(changes, [2]);
  // The configuration in force cannot be changed behind the store's back.
  assert.ok(Object.isFrozen(store.current.detection.thresholds));
});

test('process filter: names, exe globs, cgroups, containers; include and exclude', () => {
  const inc = new ProcessMatcher({ mode: 'include', names: ['nginx'], exe: ['/opt/**/bin/*'], cgroups: ['/kubepods'], containers: ['0123456789ab'] });
  assert.equal(inc.analysed({ comm: 'nginx' }), true);
  assert.equal(inc.analysed({ comm: 'x', exe: '/opt/app/v1/bin/server' }), true);
  assert.equal(inc.analysed({ comm: 'x', exe: '/usr/bin/server' }), false);
  assert.equal(inc.analysed({ comm: 'x', cgroupPath: '/kubepods/pod1/c1' }), true);
  assert.equal(inc.analysed({ comm: 'x', cgroupPath: '/kubepodsX' }), false);
  assert.equal(inc.analysed({ comm: 'x', containerId: '0123456789abcdef' }), true);
  assert.equal(inc.analysed(undefined), false);
  const exc = new ProcessMatcher({ mode: 'exclude', names: ['sshd'], exe: [], cgroups: [], containers: [] });
  assert.equal(exc.analysed({ comm: 'sshd' }), false);
  assert.equal(exc.analysed({ comm: 'curl' }), true);
  assert.equal(globToRegExp('/usr/bin/py*').test('/usr/bin/python3'), true);
  assert.equal(globToRegExp('/usr/bin/py*').test('/usr/bin/x/python3'), false);
});

test('rule categories: CRS by rule file, ET by message prefix', () => {
  assert.equal(categoryOf({ source: 'crs', id: 942100, msg: '' }), 'sqli');
  assert.equal(categoryOf({ source: 'crs', id: 951120, msg: '' }), 'data-leakages');
  assert.equal(categoryOf({ source: 'crs', id: 949110, msg: '' }), undefined);
  assert.equal(categoryOf({ source: 'et', id: 2011768, msg: 'ET WEB_SERVER PHP tags in HTTP POST' }), 'web_server');
  assert.equal(categoryOf({ source: 'et', id: 1, msg: 'x', category: 'Malware' }), 'malware');
});

test('kernel/user-space split of the process filter never loses an included process', async () => {
  const { kernelProcessFilter } = await import('../src/config/process-filter');
  assert.deepEqual(kernelProcessFilter({ mode: 'include', names: ['nginx'], exe: [], cgroups: ['/k'], containers: [] }), { mode: 'include', comms: ['nginx'], cgroupPaths: ['/k'], userSpaceCheck: false });
  assert.equal(kernelProcessFilter({ mode: 'include', names: ['nginx'], exe: ['/opt/*'], cgroups: [], containers: [] }).mode, 'all');
  assert.deepEqual(kernelProcessFilter({ mode: 'exclude', names: ['sshd'], exe: ['/usr/sbin/*'], cgroups: [], containers: [] }), { mode: 'exclude', comms: ['sshd'], cgroupPaths: [], userSpaceCheck: true });
});
