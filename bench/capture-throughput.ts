// Capture throughput, in a private network namespace (nothing else is captured):
//  1. keep-alive HTTP load (wrk) against a local node server: req/s without the sensor, with the
//     sensor capturing the server, and with the sensor attached but the load filtered out;
//     events/s delivered into JS and drops while capturing.
//     On a shared machine req/s is noisy, so the server's own CPU time per request (from /proc;
//     the BPF programs run in its context) is printed too: that ratio is the steadier figure.
//  2. a paced flood of small writes (C client -> sink): events/s into JS and drops at a fixed rate.
// The TLS probes are off (https: false): this measures the TCP capture path.
// Usage: node --import tsx bench/capture-throughput.ts [--seconds 2] [--rounds 6] [--rate 120000]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Sensor, type SensorCounters } from '../src/capture';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
const SECONDS = arg('seconds', 2);
const ROUNDS = arg('rounds', 6);
const RATE = arg('rate', 120_000);
const FLOOD_SECONDS = arg('flood-seconds', 4);

const nsName = `proctap-bench-${crypto.randomBytes(4).toString('hex')}`;
// The flood client's process name, unique to this run (the sensor selects it by name).
const FLOOD_COMM = `ptbf-${crypto.randomBytes(3).toString('hex')}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'proctap-bench-'));
const children: ChildProcess[] = [];

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
function inNs(cmd: string, args: string[]): ChildProcess {
  const c = spawn('ip', ['netns', 'exec', nsName, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(c);
  return c;
}
function line(c: ChildProcess, re: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let acc = '';
    const t = setTimeout(() => reject(new Error(`timeout waiting for ${re}: ${acc}`)), 15_000);
    c.stdout!.on('data', (d: Buffer) => {
      acc += d;
      const m = acc.match(re);
      if (m) {
        clearTimeout(t);
        resolve(m);
      }
    });
  });
}
function finish(c: ChildProcess): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    c.stdout!.on('data', (d: Buffer) => (out += d));
    c.on('exit', () => resolve(out));
  });
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const SERVER = `
const body = Buffer.from('x'.repeat(64));
require('http').createServer((q, s) => { s.setHeader('Content-Type', 'text/plain'); s.end(body); })
  .listen(0, '127.0.0.1', function () { console.log('LISTEN ' + this.address().port); });
`;

const FLOOD = String.raw`
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char **argv) {
  int port = atoi(argv[1]); double rate = atof(argv[2]), secs = atof(argv[3]);
  struct sockaddr_in a = {0}; a.sin_family = AF_INET; a.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(fd, (struct sockaddr *)&a, sizeof a)) { perror("connect"); return 1; }
  char buf[64]; memset(buf, 'f', sizeof buf);
  long n = 0; double t0 = now();
  for (;;) {
    double el = now() - t0;
    if (el >= secs) break;
    long due = (long)(el * rate);
    while (n < due) { if (write(fd, buf, sizeof buf) != sizeof buf) { perror("write"); return 1; } n++; }
    usleep(200);
  }
  printf("%ld %.3f\n", n, now() - t0);
  return 0;
}`;

const SINK = `
import socket
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)
print('LISTEN', s.getsockname()[1], flush=True)
c, _ = s.accept()
while c.recv(1 << 20): pass
`;

const TICK_US = 1e6 / Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

/** user+system CPU of a process in microseconds. */
function procCpuUs(pid: number): number {
  const st = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_US;
}

let serverPid = 0;
/** Last wrk run: the server's CPU microseconds per request. */
let lastServerUsPerReq = 0;

async function wrk(port: number): Promise<number> {
  const cpu0 = serverPid ? procCpuUs(serverPid) : 0;
  const c = inNs('wrk', ['-t1', '-c16', `-d${SECONDS}s`, `http://127.0.0.1:${port}/`]);
  const out = await finish(c);
  const m = out.match(/Requests\/sec:\s+([\d.]+)/);
  const total = out.match(/(\d+) requests in/);
  if (!m || !total) throw new Error(`wrk: ${out}`);
  if (serverPid) lastServerUsPerReq = (procCpuUs(serverPid) - cpu0) / Number(total[1]);
  return Number(m[1]);
}

function counting(sensor: Sensor) {
  const st = { events: 0, bytes: 0 };
  sensor.onEvents((evs) => {
    st.events += evs.length;
    for (const e of evs) st.bytes += e.payload.length;
  });
  return st;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function drops(c: SensorCounters): string {
  return `ring drops ${c.ringDrops}, queue drops ${c.queueDropEvents}`;
}

async function main() {
  sh('ip', ['netns', 'add', nsName]);
  sh('ip', ['-n', nsName, 'link', 'set', 'lo', 'up']);
  const nsIno = fs.statSync(`/run/netns/${nsName}`).ino;
  const server = inNs(process.execPath, ['-e', SERVER]);
  const port = Number((await line(server, /LISTEN (\d+)/))[1]);
  serverPid = server.pid!;
  console.log(`capture-throughput: ${os.cpus().length} CPUs, wrk -t1 -c16 -d${SECONDS}s keep-alive GET (64-byte body), ${ROUNDS} rounds, median`);

  const base: number[] = [];
  const baseCpu: number[] = [];
  const capCpuSrv: number[] = [];
  const exclCpu: number[] = [];
  const cap: number[] = [];
  const excl: number[] = [];
  const capRates: number[] = [];
  const capCpu: number[] = [];
  const capSensorPerReq: number[] = [];
  let capDrops = 0;
  let capPath = '';
  await wrk(port); // warm up the server's JIT
  // The three conditions run in a rotating order each round, so the load other processes put on
  // a shared machine spreads over all of them; medians are printed.
  const runBase = async () => {
    base.push(await wrk(port));
    baseCpu.push(lastServerUsPerReq);
  };
  const runCapture = async () => {
    const s1 = new Sensor({ https: false, filter: { include: { pids: [server.pid!] } } });
    capPath = s1.capturePath;
    const st = counting(s1);
    const t0 = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    cap.push(await wrk(port));
    capCpuSrv.push(lastServerUsPerReq);
    const cpu = process.cpuUsage(cpu0);
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const c1 = await s1.close();
    capRates.push(st.events / secs);
    capCpu.push((cpu.user + cpu.system) / Math.max(1, st.events));
    capSensorPerReq.push((cpu.user + cpu.system) / Math.max(1, cap[cap.length - 1] * secs));
    capDrops += c1.drops;
  };
  const runFiltered = async () => {
    const s2 = new Sensor({ https: false, filter: { include: { comms: ['proctap-none'] } } });
    const st2 = counting(s2);
    excl.push(await wrk(port));
    exclCpu.push(lastServerUsPerReq);
    await s2.close();
    if (st2.events !== 0) throw new Error('excluded load was captured');
  };
  const phases = [runBase, runCapture, runFiltered];
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < phases.length; i++) await phases[(i + r) % phases.length]();
  }
  const b = median(base);
  console.log(`  without sensor:                 ${b.toFixed(0)} req/s`);
  console.log(`  sensor capturing the server:    ${median(cap).toFixed(0)} req/s (${(median(cap) / b).toFixed(3)} of without; target >= 0.85), ${median(capRates).toFixed(0)} events/s into JS, drops ${capDrops} [${capPath}]; sensor process ${median(capCpu).toFixed(2)} us CPU/event`);
  console.log(`  sensor attached, load filtered: ${median(excl).toFixed(0)} req/s (${(median(excl) / b).toFixed(3)} of without)`);
  const bc = median(baseCpu);
  console.log(
    `  server CPU per request:         without ${bc.toFixed(1)} us, capturing ${median(capCpuSrv).toFixed(1)} us ` +
      `(req/s capacity ratio ${(bc / median(capCpuSrv)).toFixed(3)}), filtered ${median(exclCpu).toFixed(1)} us ` +
      `(${(bc / median(exclCpu)).toFixed(3)}); sensor process ${median(capSensorPerReq).toFixed(1)} us per request on its own thread/core`,
  );

  // Cost accounting, steadier than req/s on a shared machine: the BPF time our programs spend per
  // request (kernel run-time statistics) plus the sensor process's CPU per request, against the
  // server's own CPU per request. On a host whose cores are all busy, capacity shrinks by that sum.
  {
    const s = new Sensor({ https: false, bpfStats: true, filter: { include: { pids: [server.pid!] } } });
    counting(s);
    const cpu0 = process.cpuUsage();
    const rps = await wrk(port);
    const cpu = process.cpuUsage(cpu0);
    const reqs = rps * SECONDS;
    const bpfNs = s.programs().reduce((a, p) => a + p.runTimeNs, 0);
    await s.close();
    const bpfUs = bpfNs / 1e3 / reqs;
    const sensorUs = (cpu.user + cpu.system) / reqs;
    console.log(
      `  cost per request (capturing):   BPF ${bpfUs.toFixed(2)} us (server's sends/recvs + everyone else's filtered ops), ` +
        `sensor process ${sensorUs.toFixed(2)} us; server ${bc.toFixed(1)} us without => CPU-bound capacity ratio ` +
        `${(bc / (bc + bpfUs + sensorUs)).toFixed(3)} (target >= 0.85)`,
    );
  }

  // Everything in the namespace: server and wrk, both directions.
  {
    const s = new Sensor({ https: false, filter: { include: { netns: [nsIno] } } });
    const st = counting(s);
    const t0 = process.hrtime.bigint();
    const rps = await wrk(port);
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = await s.close();
    console.log(`  capturing wrk + server:         ${rps.toFixed(0)} req/s, ${(st.events / secs).toFixed(0)} events/s into JS (${(st.bytes / secs / 1e6).toFixed(1)} MB/s payload), ${drops(c)}`);
  }

  // Paced flood of 64-byte writes.
  const src = path.join(tmp, 'flood.c');
  fs.writeFileSync(src, FLOOD);
  sh('cc', ['-O2', '-o', path.join(tmp, FLOOD_COMM), src]);
  for (const rate of [RATE, RATE * 2]) {
    const sink = inNs('python3', ['-c', SINK]);
    const sport = Number((await line(sink, /LISTEN (\d+)/))[1]);
    const s = new Sensor({ https: false, filter: { include: { comms: [FLOOD_COMM] } }, processInfo: true, bpfStats: true });
    const st = counting(s);
    const cpu0 = process.cpuUsage();
    const fl = inNs(path.join(tmp, FLOOD_COMM), [String(sport), String(rate), String(FLOOD_SECONDS)]);
    const out = await finish(fl);
    await sleep(300);
    const send = s.programs().find((p) => p.name === 'pt_sock_send' || p.name === 'pt_sys_exit');
    const bpfNs = send && send.runCount ? send.runTimeNs / send.runCount : NaN;
    const c = await s.close();
    const cpu = process.cpuUsage(cpu0);
    const [n, secs] = out.trim().split(' ').map(Number);
    const sends = n; // one event per write
    console.log(
      `  flood at ${rate} writes/s:     ${(n / secs).toFixed(0)} writes/s made, ${(st.events / secs).toFixed(0)} events/s into JS, ` +
        `${st.events} received of ${sends + 3} (incl. 3 connection events), ${drops(c)}; sensor process ${((cpu.user + cpu.system) / Math.max(1, st.events)).toFixed(2)} us CPU/event; ` +
        `BPF ${bpfNs.toFixed(0)} ns per ${send?.name} run (all runs, incl. other processes' filtered ones)`,
    );
    sink.kill();
  }
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const c of children) c.kill('SIGKILL');
    spawnSync('ip', ['netns', 'del', nsName]);
    fs.rmSync(tmp, { recursive: true, force: true });
  });
