// Cost of the TLS plaintext probes, in private network namespaces (nothing else is captured):
//  1. time per SSL_write call of a C program (libssl.so.3, TLS over a socketpair inside one
//     process: no TCP, so only the uprobes are measured), as a ratio to no probes, for:
//       target, per-file probes (netns filter)   - trap + BPF + plaintext event
//       non-target, per-file probes (other netns) - trap + BPF filter drop
//       target, per-pid probes (pid filter)
//       non-target, per-pid probes on another pid - no breakpoint at all
//  2. HTTPS keep-alive load (wrk -> node https server, both in the namespace): req/s and CPU per
//     request with no sensor, with the sensor and HTTPS capture off (TCP only), and with
//     plaintext capture on.
//  3. the same with plain HTTP: what HTTPS capture costs traffic that is not TLS.
// Usage: node --import tsx bench/tls-cost.ts [--calls 20000] [--seconds 3] [--rounds 3]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Sensor, type SensorOptions } from '../src/capture';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
const CALLS = arg('calls', 20_000);
const SECONDS = arg('seconds', 3);
const ROUNDS = arg('rounds', 3);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'proctap-tlsbench-'));
const namespaces: string[] = [];
const children: ChildProcess[] = [];

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
function mkNs(): { name: string; inode: number } {
  const name = `proctap-tlsbench-${crypto.randomBytes(4).toString('hex')}`;
  sh('ip', ['netns', 'add', name]);
  namespaces.push(name);
  sh('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return { name, inode: Number(fs.statSync(`/run/netns/${name}`).ino) };
}
function inNs(ns: string, cmd: string, args: string[]): ChildProcess {
  const c = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(c);
  return c;
}
function line(c: ChildProcess, re: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let acc = '';
    const t = setTimeout(() => reject(new Error(`timeout waiting for ${re}: ${acc}`)), timeoutMs);
    c.stdout!.on('data', (d: Buffer) => {
      acc += d;
      const m = acc.match(re);
      if (m) {
        clearTimeout(t);
        resolve(m);
      }
    });
    c.stderr!.on('data', (d: Buffer) => (acc += d));
  });
}
function cleanup(): void {
  for (const c of children) c.kill('SIGKILL');
  for (const n of namespaces) spawnSync('ip', ['netns', 'del', n]);
  fs.rmSync(tmp, { recursive: true, force: true });
}
process.on('exit', cleanup);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// TLS between two SSL objects of one process over a socketpair; waits for "go" on stdin, then
// times each SSL_write (64 bytes, thread CPU time incl. the clock syscall) and drains it with
// SSL_read. Prints "NS <ns per SSL_write>".
const C_SRC = String.raw`
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <fcntl.h>
/* Thread CPU time: the uprobe trap and BPF run are charged to the calling thread; time spent
 * preempted on a busy machine is not. */
static long long now(void) { struct timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return t.tv_sec * 1000000000LL + t.tv_nsec; }
int main(int argc, char **argv) {
  int n = atoi(argv[1]);
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) return 1;
  SSL_CTX *sc = SSL_CTX_new(TLS_server_method()), *cc = SSL_CTX_new(TLS_client_method());
  if (SSL_CTX_use_certificate_file(sc, argv[2], SSL_FILETYPE_PEM) != 1 || SSL_CTX_use_PrivateKey_file(sc, argv[3], SSL_FILETYPE_PEM) != 1) { ERR_print_errors_fp(stderr); return 1; }
  SSL *s = SSL_new(sc), *c = SSL_new(cc);
  SSL_set_fd(s, sv[0]); SSL_set_fd(c, sv[1]);
  SSL_set_accept_state(s); SSL_set_connect_state(c);
  fcntl(sv[0], F_SETFL, O_NONBLOCK); fcntl(sv[1], F_SETFL, O_NONBLOCK);
  for (int i = 0; i < 1000 && (!SSL_is_init_finished(s) || !SSL_is_init_finished(c)); i++) { SSL_do_handshake(c); SSL_do_handshake(s); }
  if (!SSL_is_init_finished(c)) { fprintf(stderr, "handshake failed\n"); return 1; }
  printf("READY\n"); fflush(stdout);
  char go[8]; if (!fgets(go, sizeof go, stdin)) return 1;
  char msg[64], buf[256]; memset(msg, 'a', sizeof msg);
  long long total = 0;
  for (int i = 0; i < n; i++) {
    long long t0 = now();
    if (SSL_write(c, msg, sizeof msg) != (int)sizeof msg) return 2;
    total += now() - t0;
    int got = 0; while (got < (int)sizeof msg) { int r = SSL_read(s, buf, sizeof buf); if (r <= 0) return 3; got += r; }
  }
  printf("NS %.1f\n", (double)total / n); fflush(stdout);
  return 0;
}
`;

/** Uprobes on libssl that belong to other processes (another sensor on this shared machine makes
 * every SSL call trap, also in the "no probes" runs): runs that saw some are marked '*'. */
function foreignLibsslUprobes(): number {
  const r = spawnSync('bpftool', ['perf', 'show'], { encoding: 'utf8' });
  return (r.stdout ?? '').split('\n').filter((l) => /uprobe/.test(l) && /libssl/.test(l) && !l.startsWith(`pid ${process.pid} `)).length;
}
let foreignSeen = false;

async function writeCost(ns: string, bin: string, cert: { cert: string; key: string }, setup?: (pid: number) => Promise<() => Promise<void>>): Promise<number> {
  const c = inNs(ns, bin, [String(CALLS), cert.cert, cert.key]);
  await line(c, /READY/);
  const teardown = setup ? await setup(c.pid!) : undefined;
  foreignSeen = foreignLibsslUprobes() > 0;
  c.stdin!.write('go\n');
  const m = await line(c, /NS ([\d.]+)/);
  foreignSeen = foreignSeen || foreignLibsslUprobes() > 0;
  if (teardown) await teardown();
  return Number(m[1]);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const ns1 = mkNs();
  const ns2 = mkNs();
  const key = path.join(tmp, 'key.pem');
  const certFile = path.join(tmp, 'cert.pem');
  sh('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', certFile]);
  const cert = { cert: certFile, key };
  fs.writeFileSync(path.join(tmp, 'w.c'), C_SRC);
  const bin = path.join(tmp, 'sslwrite');
  sh('cc', ['-O2', '-o', bin, path.join(tmp, 'w.c'), '-lssl', '-lcrypto']);

  // A process that maps libssl in ns1 (python with ssl imported): the per-pid target of case D.
  const holder = inNs(ns1.name, 'python3', ['-c', 'import ssl, sys; print("UP", flush=True); sys.stdin.read()']);
  await line(holder, /UP/);

  console.log(`# 1. cost per SSL_write (64 B), ${CALLS} calls per run, median of ${ROUNDS} runs`);
  const results: Record<string, number[]> = {};
  const marks: Record<string, string[]> = {};
  const add = (k: string, v: number) => {
    (results[k] ??= []).push(v);
    (marks[k] ??= []).push(foreignSeen ? '*' : '');
  };
  const withSensor = async (opts: SensorOptions, fn: () => Promise<number>): Promise<{ ns: number; tls: unknown }> => {
    const s = new Sensor({ processInfo: false, ...opts });
    let events = 0;
    s.onEvents((e) => (events += e.length));
    try {
      const v = await fn();
      await sleep(50);
      return { ns: v, tls: { ...s.counters().tls, delivered: events } };
    } finally {
      await s.close();
    }
  };
  const notes: Record<string, unknown> = {};
  for (let r = 0; r < ROUNDS; r++) {
    add('no probes', await writeCost(ns1.name, bin, cert));
    let x = await withSensor({ filter: { include: { netns: [ns1.inode] } } }, () => writeCost(ns1.name, bin, cert));
    add('target, per-file probes (netns filter)', x.ns);
    notes['target, per-file probes (netns filter)'] = x.tls;
    x = await withSensor({ filter: { include: { netns: [ns1.inode] } } }, () => writeCost(ns2.name, bin, cert));
    add('non-target, per-file probes (other netns)', x.ns);
    notes['non-target, per-file probes (other netns)'] = x.tls;
    // pid mode: the sensor starts once the program is up, with the program's own pid as target.
    let tlsNote: unknown;
    const v = await writeCost(ns1.name, bin, cert, async (pid) => {
      const s = new Sensor({ processInfo: false, filter: { include: { pids: [pid] } } });
      return async () => {
        tlsNote = s.counters().tls;
        await s.close();
      };
    });
    add('target, per-pid probes (pid filter)', v);
    notes['target, per-pid probes (pid filter)'] = tlsNote;
    x = await withSensor({ filter: { include: { pids: [holder.pid!] } } }, () => writeCost(ns2.name, bin, cert));
    add('non-target, per-pid probes on another pid', x.ns);
    notes['non-target, per-pid probes on another pid'] = x.tls;
  }
  const base = median(results['no probes']);
  for (const [k, v] of Object.entries(results)) {
    const m = median(v);
    console.log(`${k.padEnd(44)} ${m.toFixed(0).padStart(7)} ns/call  x${(m / base).toFixed(2)}  +${(m - base).toFixed(0)} ns  (runs: ${v.map((n, j) => n.toFixed(0) + marks[k][j]).join(', ')})`);
  }
  if (Object.values(marks).some((m) => m.includes('*'))) {
    console.log("  * another process had uprobes on libssl during the run (if per-file, as a sensor in 'file' mode makes, every SSL call here trapped too)");
  }
  for (const [k, v] of Object.entries(notes)) console.log(`  counters, ${k}: ${JSON.stringify(v)}`);

  const srvJs = path.join(tmp, 'srv.js');
  fs.writeFileSync(srvJs, `const fs=require('fs');
const body=Buffer.from('x'.repeat(512));
const h=(q,s)=>{s.writeHead(200,{'Content-Length':body.length});s.end(body);};
const srv=process.argv[2]==='https'?require('https').createServer({cert:fs.readFileSync(process.argv[3]),key:fs.readFileSync(process.argv[4])},h):require('http').createServer(h);
srv.listen(0,'127.0.0.1',function(){console.log('LISTEN',this.address().port)});`);
  await loadTest(ns1, srvJs, 'https', cert, withSensor, 2);
  await loadTest(ns1, srvJs, 'http', cert, withSensor, 3);
}

type WithSensor = (opts: SensorOptions, fn: () => Promise<number>) => Promise<{ ns: number; tls: unknown }>;

/** Keep-alive load (wrk) against a node server in the namespace, without a sensor, with the
 * sensor and HTTPS capture off, and with it on. Section 3 (plain http) shows what HTTPS capture
 * costs traffic that is not TLS (the in-call/memory-BIO bookkeeping in the socket hooks). */
async function loadTest(ns1: { name: string; inode: number }, srvJs: string, scheme: 'http' | 'https', cert: { cert: string; key: string }, withSensor: WithSensor, section: number): Promise<void> {
  console.log(`\n# ${section}. ${scheme.toUpperCase()} keep-alive load: wrk -t1 -c16 -d${SECONDS}s -> node ${scheme} server, median of ${ROUNDS} rounds`);
  const srv = inNs(ns1.name, 'node', [srvJs, scheme, cert.cert, cert.key]);
  const port = Number((await line(srv, /LISTEN (\d+)/))[1]);
  // req/s is noisy on a shared machine; CPU time per request of the server and of wrk (the BPF
  // programs and uprobe traps run in their context) is the steadier figure.
  const cpuMs = (pid: number): number => {
    const st = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, USER_HZ = 100
  };
  const cpu: Record<string, number[]> = {};
  let current = '';
  const wrk = async (): Promise<number> => {
    // bash's `times` prints the CPU time of its children (wrk) after it exits.
    const c = inNs(ns1.name, 'bash', ['-c', `wrk -t1 -c16 -d${SECONDS}s ${scheme}://127.0.0.1:${port}/; times`]);
    const s0 = cpuMs(srv.pid!);
    const m = await line(c, /Requests\/sec:\s+([\d.]+)[\s\S]*\n\d+m[\d.]+s \d+m[\d.]+s\n(\d+)m([\d.]+)s (\d+)m([\d.]+)s\n/, (SECONDS + 30) * 1000);
    const reqs = Number(m[1]) * SECONDS;
    const wrkMs = (Number(m[2]) * 60 + Number(m[3]) + Number(m[4]) * 60 + Number(m[5])) * 1000;
    if (current) {
      (cpu[`${current}: server`] ??= []).push(((cpuMs(srv.pid!) - s0) * 1000) / reqs);
      (cpu[`${current}: wrk`] ??= []).push((wrkMs * 1000) / reqs);
    }
    return Number(m[1]);
  };
  await wrk(); // warm-up (JIT, sessions)
  const load: Record<string, number[]> = {};
  const loadNotes: Record<string, unknown> = {};
  for (let r = 0; r < ROUNDS; r++) {
    current = 'no sensor';
    (load[current] ??= []).push(await wrk());
    current = 'sensor, HTTPS capture off (TCP only)';
    let x = await withSensor({ https: false, filter: { include: { netns: [ns1.inode] } } }, wrk);
    (load[current] ??= []).push(x.ns);
    current = 'sensor, HTTPS plaintext capture on';
    x = await withSensor({ filter: { include: { netns: [ns1.inode] } } }, wrk);
    (load[current] ??= []).push(x.ns);
    loadNotes[current] = x.tls;
  }
  srv.kill('SIGKILL');
  const lbase = median(load['no sensor']);
  for (const [k, v] of Object.entries(load)) {
    const m = median(v);
    console.log(`${k.padEnd(44)} ${m.toFixed(0).padStart(7)} req/s  x${(m / lbase).toFixed(2)}  (runs: ${v.map((n) => n.toFixed(0)).join(', ')})`);
  }
  console.log('CPU time per request (us; from /proc utime+stime, 10 ms resolution):');
  for (const [k, v] of Object.entries(cpu)) console.log(`  ${k.padEnd(50)} ${median(v).toFixed(1).padStart(7)} us  (runs: ${v.map((n) => n.toFixed(1)).join(', ')})`);
  for (const [k, v] of Object.entries(loadNotes)) console.log(`  counters, ${k}: ${JSON.stringify(v)}`);
}

main()
  .then(() => process.exit(0))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
