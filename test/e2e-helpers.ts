// Shared by the end-to-end tests: the real `proctap agent` as a child process, scoped to a private
// network namespace (containment: it captures nothing else), real servers and clients inside it, the
// gRPC client, a subset of the real ET Open rules extracted from ../shared/data.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AgentClient } from '../src/agent/client';
import type { WireIncident, WireIncidentEvent } from '../src/agent/wire';
import { waitForLine, type Netns } from './capture-helpers';

export const REPO = path.resolve(__dirname, '..');
export const ET_TARBALL = path.resolve(REPO, '../shared/data/et-open/emerging-all.rules.tar.gz');

/** The ET sids the tests use: an outbound trojan user agent, an inbound web attack or two. */
export const ET_SIDS = {
  /** ET MALWARE Zeus User-Agent(z00sAgent): http.user_agent startswith "z00sAgent", $HOME_NET -> $EXTERNAL_NET. */
  zeusUa: 2016710,
  /** ET COINMINER Stratum subscribe/authorize over raw TCP, $HOME_NET -> $EXTERNAL_NET (classtype coin-mining, priority 2). */
  stratum: 2017871,
};

const made: string[] = [];
// Temp dirs (configs, state, rule subsets, EVE files) go when the test process exits.
process.on('exit', () => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

export function tmp(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `proctap-e2e-${prefix}-`));
  made.push(d);
  return d;
}

/** Writes the ET Open rules with these sids (from the shared snapshot) into a fresh rules dir. */
export function etSubsetDir(sids: number[]): string {
  const dir = tmp('et');
  const all = tmp('et-all');
  const r = spawnSync('tar', ['-xzf', ET_TARBALL, '-C', all]);
  if (r.status !== 0) throw new Error(`tar: ${r.stderr}`);
  const want = new Set(sids);
  const lines: string[] = [];
  for (const f of fs.readdirSync(all).filter((n) => n.endsWith('.rules'))) {
    for (const line of fs.readFileSync(path.join(all, f), 'utf8').split('\n')) {
      const m = /^alert .*[;(]\s*sid:(\d+);/.exec(line);
      if (m && want.has(Number(m[1]))) lines.push(line);
    }
  }
  fs.rmSync(all, { recursive: true, force: true });
  if (lines.length !== want.size) throw new Error(`found ${lines.length} of ${want.size} ET sids in ${ET_TARBALL}`);
  fs.writeFileSync(path.join(dir, 'subset.rules'), lines.join('\n') + '\n');
  return dir;
}

/** Full ET Open from the shared snapshot, extracted to a temp dir. */
export function etFullDir(): string {
  const dir = tmp('et-full');
  const r = spawnSync('tar', ['-xzf', ET_TARBALL, '-C', dir]);
  if (r.status !== 0) throw new Error(`tar: ${r.stderr}`);
  return dir;
}

export interface AgentProc {
  child: ChildProcess;
  grpc: string;
  metrics: string;
  stateDir: string;
  stderr: () => string;
  client: AgentClient;
  stop(): Promise<number | null>;
}

/** A YAML config with the test's rule dirs; `extra` is appended (top-level keys). */
export function configYaml(o: { etDir?: string; eve?: string; extra?: string; etVars?: Record<string, string> }): string {
  const vars = o.etVars ? `, vars: ${JSON.stringify(o.etVars)}` : '';
  const lines = [
    'rules:',
    '  crs: { enabled: true }',
    o.etDir ? `  et: { enabled: true, dir: ${JSON.stringify(o.etDir)}${vars} }` : '  et: { enabled: false }',
  ];
  if (o.eve) lines.push('outputs:', `  eve: { enabled: true, path: ${JSON.stringify(o.eve)} }`);
  if (o.extra) lines.push(o.extra);
  return lines.join('\n') + '\n';
}

/** Starts `proctap agent` on the namespace with ephemeral loopback ports; resolves once it runs. */
export async function startAgent(ns: Netns, o: { config: string; stateDir?: string; args?: string[] }): Promise<AgentProc> {
  const stateDir = o.stateDir ?? tmp('state');
  const cfgFile = path.join(tmp('cfg'), 'proctap.yaml');
  fs.writeFileSync(cfgFile, o.config);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO, 'src/cli/run.ts'), 'agent', '--config', cfgFile, '--netns', ns.path, '--grpc-listen', '127.0.0.1:0', '--metrics-listen', '127.0.0.1:0', '--state-dir', stateDir, ...(o.args ?? [])],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const started = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`agent did not start in 60 s:\n${err}`)), 60_000);
    const check = () => {
      const m = /gRPC (\S+); metrics http:\/\/(\S+)\/metrics/.exec(err);
      if (m && err.includes('agent running')) {
        clearTimeout(t);
        resolve(m);
      }
    };
    child.stderr!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`agent exited (${code}) before running:\n${err}`));
    });
  });
  const client = new AgentClient(started[1]);
  await client.waitReady(5000);
  let exited: Promise<number | null> | undefined;
  return {
    child,
    grpc: started[1],
    metrics: started[2],
    stateDir,
    stderr: () => err,
    client,
    stop() {
      if (!exited) {
        exited = new Promise((resolve) => {
          if (child.exitCode !== null) return resolve(child.exitCode);
          const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
          child.once('exit', (code) => {
            clearTimeout(t);
            resolve(code);
          });
          child.kill('SIGTERM');
        });
        client.close();
      }
      return exited;
    },
  };
}

/** Collects every incident event of a subscription. */
export function follow(client: AgentClient, req: Parameters<AgentClient['subscribe']>[0] = { filter: {} }) {
  const events: WireIncidentEvent[] = [];
  const sub = client.subscribe(req, (ev) => events.push(ev));
  sub.done.catch(() => undefined);
  return { events, cancel: () => sub.cancel() };
}

/** Waits (bounded) until `pick` finds something, polling every 100 ms. */
export async function waitFor<T>(pick: () => T | undefined | false, what: string, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = pick();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function incidents(events: WireIncidentEvent[]): WireIncident[] {
  return events.filter((e) => e.kind === 'KIND_RAISED' || e.kind === 'KIND_REPEATED' || e.kind === 'KIND_UPDATED').map((e) => e.incident!).filter(Boolean);
}

/** A python HTTP/1.1 keep-alive server: prints "LISTEN <port>"; answers GET/POST with a short text. */
export const PY_HTTP_SERVER = String.raw`
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def reply(self, body):
        self.send_response(200)
        self.send_header('Content-Type', 'text/plain')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        self.reply(('got ' + self.path + '\n').encode())
    def do_POST(self):
        n = int(self.headers.get('Content-Length', '0'))
        self.rfile.read(n)
        self.reply(b'posted\n')
    def log_message(self, *a):
        pass
host = sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1'
if ':' in host:
    http.server.ThreadingHTTPServer.address_family = __import__('socket').AF_INET6
srv = http.server.ThreadingHTTPServer((host, 0), H)
print('LISTEN', srv.server_address[1], flush=True)
srv.serve_forever()
`;

export async function startPyHttp(ns: Netns, dir: string, host = '127.0.0.1'): Promise<{ child: ChildProcess; port: number }> {
  const script = path.join(dir, 'server.py');
  fs.writeFileSync(script, PY_HTTP_SERVER);
  const child = ns.spawn('python3', [script, host]);
  const m = await waitForLine(child, /LISTEN (\d+)/);
  return { child, port: Number(m[1]) };
}

/** Runs curl inside the namespace; returns its pid (the client process of the connection). */
export async function curl(ns: Netns, args: string[]): Promise<{ pid: number; code: number | null; stdout: string }> {
  const r = await ns.run('curl', ['-sS', '--max-time', '10', ...args]);
  if (r.code !== 0) throw new Error(`curl ${args.join(' ')}: exit ${r.code} ${r.stderr}`);
  return r;
}

export async function metricsText(agent: AgentProc): Promise<string> {
  const res = await fetch(`http://${agent.metrics}/metrics`);
  return res.text();
}

/** The value of one sample in Prometheus text (sum of matching lines); undefined when absent. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let found = false;
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const lab = m[2] ?? '';
    if (!Object.entries(labels).every(([k, v]) => lab.includes(`${k}="${v}"`))) continue;
    found = true;
    sum += Number(m[3]);
  }
  return found ? sum : undefined;
}

/** Polls /metrics until `ok` holds (bounded); returns the last text either way. */
export async function waitMetrics(agent: AgentProc, ok: (text: string) => boolean, timeoutMs = 10_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const t = await metricsText(agent);
    if (ok(t) || Date.now() > end) return t;
    await new Promise((r) => setTimeout(r, 200));
  }
}
