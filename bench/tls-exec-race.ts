// The exec -> attach race for short-lived clients: a curl started after the sensor, K times per
// way of attaching, in a private network namespace. Prints how many runs had their request (the
// first SSL_write) captured, and curl's wall time (what holding at exec costs the new process).
//   file        per-file probes on libssl, netns filter (attached before curl exists)
//   pid+hold    per-pid probes, comm filter, process stopped at exec until attached (default)
//   pid, no hold  per-pid probes attached when the exec notification is read (racy)
// Usage: node --import tsx bench/tls-exec-race.ts [--runs 10]
import { spawn, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Sensor, type CaptureEvent, type SensorOptions } from '../src/capture';

const i = process.argv.indexOf('--runs');
const RUNS = i > 0 ? Number(process.argv[i + 1]) : 10;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'proctap-tlsrace-'));
const ns = `proctap-tlsrace-${crypto.randomBytes(4).toString('hex')}`;
const nsIno = (() => {
  spawnSync('ip', ['netns', 'add', ns]);
  spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  return Number(fs.statSync(`/run/netns/${ns}`).ino);
})();
const kids: { kill: (s: NodeJS.Signals) => void }[] = [];
process.on('exit', () => {
  for (const k of kids) k.kill('SIGKILL');
  spawnSync('ip', ['netns', 'del', ns]);
  fs.rmSync(tmp, { recursive: true, force: true });
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function runIn(cmd: string, args: string[]): Promise<{ pid: number; code: number | null; ms: number }> {
  const t0 = process.hrtime.bigint();
  const c = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: 'ignore' });
  return new Promise((resolve) => c.on('exit', (code) => resolve({ pid: c.pid!, code, ms: Number(process.hrtime.bigint() - t0) / 1e6 })));
}

async function main(): Promise<void> {
  const key = path.join(tmp, 'k.pem');
  const cert = path.join(tmp, 'c.pem');
  spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=x',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert]);
  const srvPy = path.join(tmp, 's.py');
  fs.writeFileSync(srvPy, `import http.server, ssl
srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), http.server.SimpleHTTPRequestHandler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain('${cert}', '${key}')
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print('LISTEN', srv.server_address[1], flush=True); srv.serve_forever()`);
  const srv = spawn('ip', ['netns', 'exec', ns, 'python3', srvPy], { stdio: ['ignore', 'pipe', 'ignore'], cwd: tmp });
  kids.push(srv);
  const port = await new Promise<number>((resolve) => {
    let acc = '';
    srv.stdout!.on('data', (d) => {
      acc += d;
      const m = /LISTEN (\d+)/.exec(acc);
      if (m) resolve(Number(m[1]));
    });
  });
  const comm = `ptrace${crypto.randomBytes(3).toString('hex')}`;
  const curlLink = path.join(tmp, comm);
  fs.symlinkSync('/usr/bin/curl', curlLink);

  const ways: [string, SensorOptions | undefined, string][] = [
    ['no sensor', undefined, 'curl'],
    ['file (netns filter)', { filter: { include: { netns: [nsIno] } } }, 'curl'],
    ['pid+hold (comm filter)', { filter: { include: { comms: [comm] } } }, curlLink],
    ['pid, no hold (comm filter)', { filter: { include: { comms: [comm] } }, tls: { holdExec: false } }, curlLink],
  ];
  console.log(`# curl started after the sensor, ${RUNS} runs each: request captured from the first SSL_write?`);
  for (const [name, opts, bin] of ways) {
    const s = opts ? new Sensor({ processInfo: false, ...opts }) : undefined;
    const evs: CaptureEvent[] = [];
    s?.onEvents((e) => evs.push(...e));
    let seen = 0;
    const times: number[] = [];
    try {
      for (let r = 0; r < RUNS; r++) {
        const res = await runIn(bin, ['-s', '-o', '/dev/null', '--cacert', cert, `https://127.0.0.1:${port}/r${r}`]);
        if (res.code !== 0) throw new Error(`curl exited ${res.code}`);
        times.push(res.ms);
        await sleep(80);
        if (evs.some((e) => e.pid === res.pid && e.type === 'tls_write' && e.payload.toString('latin1').startsWith(`GET /r${r} `))) seen++;
      }
    } finally {
      await s?.close();
    }
    times.sort((a, b) => a - b);
    const med = times[Math.floor(times.length / 2)];
    console.log(`${name.padEnd(28)} captured ${opts ? `${seen}/${RUNS}` : '  - '}   curl wall time median ${med.toFixed(1)} ms (min ${times[0].toFixed(1)}, max ${times[times.length - 1].toFixed(1)})`);
  }
}

main()
  .then(() => process.exit(0))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
