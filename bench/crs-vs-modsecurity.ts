// CRS 3.3.4 (Debian's modsecurity-crs) at paranoia 1: our engine vs ModSecurity v3 (Debian's
// libmodsecurity3, driven by bench/modsec/harness.cc, compiled here) on the same corpus of
// benign requests (bench/crs-corpus.ts), single-threaded, request phases. Prints requests/s of
// each, the ratio, and the agreement of the verdict (inbound anomaly score >= 5; for ModSecurity:
// 949110 logged). Then the ReDoS check: requests built to make backtracking engines explode, at
// 8..64 KB, whose time must grow linearly.
// The two engines run in alternation for --rounds rounds; each figure is the best round, which is
// the least disturbed by other processes on a shared machine.
// Usage: node --import tsx bench/crs-vs-modsecurity.ts [--requests 4000] [--iterations 2] [--rounds 3]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CrsEngine, DEBIAN_CRS_DIR, DEBIAN_CRS_SETUP } from '../src/detect/crs';
import type { CrsRequest } from '../src/detect/crs';
import { encodeCorpus, generateCorpus } from './crs-corpus';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

const N = arg('requests', 4000);
const ITER = arg('iterations', 2);
const ROUNDS = arg('rounds', 3);
const BENCH_CONF = path.join(__dirname, 'modsec', 'bench.conf');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crs-bench-'));

function buildHarness(): string {
  const bin = path.join(tmp, 'modsec-harness');
  const r = spawnSync('g++', ['-O2', '-std=c++17', '-o', bin, path.join(__dirname, 'modsec', 'harness.cc'), '-lmodsecurity'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cannot compile the ModSecurity harness: ${r.stderr}`);
  return bin;
}

interface ModsecRun { ids: string[][]; seconds: number; cpuSeconds: number; requests: number }

function runModsec(bin: string, reqs: CrsRequest[], iterations: number): ModsecRun {
  const corpus = path.join(tmp, `corpus-${reqs.length}-${Date.now()}.bin`);
  fs.writeFileSync(corpus, encodeCorpus(reqs));
  const main = path.join(tmp, 'main.conf');
  fs.writeFileSync(main, `Include ${BENCH_CONF}\nInclude ${DEBIAN_CRS_SETUP}\nInclude ${DEBIAN_CRS_DIR}/rules/*.conf\n`);
  const r = spawnSync(bin, [main, corpus, String(iterations)], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`harness failed: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  const last = lines.pop() as string;
  const m = /^elapsed_ns (\d+) cpu_ns (\d+) requests (\d+)$/.exec(last);
  if (!m) throw new Error(`unexpected harness output: ${last}`);
  const ids = lines.map((l) => l.split(' ').slice(1));
  return { ids, seconds: Number(m[1]) / 1e9, cpuSeconds: Number(m[2]) / 1e9, requests: Number(m[3]) };
}

function cpuNow(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
}

function main(): void {
  console.log(`CRS benchmark: ${N} benign requests x ${ITER} iterations, CRS ${DEBIAN_CRS_DIR} (3.3.4) at paranoia 1, single thread`);
  const reqs = generateCorpus(N);
  const kinds = { GET: 0, form: 0, json: 0, multipart: 0 };
  for (const q of reqs) {
    const ct = q.headers.find(([k]) => k === 'Content-Type')?.[1] ?? '';
    if (q.method === 'GET') kinds.GET++;
    else if (ct.startsWith('multipart')) kinds.multipart++;
    else if (ct.includes('json')) kinds.json++;
    else kinds.form++;
  }
  console.log(`corpus: ${JSON.stringify(kinds)}, ${(encodeCorpus(reqs).length / 1024).toFixed(0)} KiB`);

  const bin = buildHarness();
  const t0 = Date.now();
  const { engine, report } = CrsEngine.load({ preFiles: [BENCH_CONF] });
  console.log(`proctap: loaded ${report.rules} rules in ${Date.now() - t0} ms (${report.errors.length} not loaded: ${report.errors.map((e) => e.ruleId ?? e.message.slice(0, 12)).join(', ')})`);
  const verdicts: boolean[] = [];
  const ours: number[][] = [];
  for (const q of reqs) {
    const r = engine.newTransaction(q).evaluateRequest();
    verdicts.push(r.inboundScore >= 5);
    ours.push(r.matchedIds);
  }
  let ms: ModsecRun | undefined;
  let msBest = { wall: 0, cpu: 0 };
  let ourBest = { wall: 0, cpu: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    const m = runModsec(bin, reqs, ITER);
    if (!ms) ms = m;
    msBest = { wall: Math.max(msBest.wall, m.requests / m.seconds), cpu: Math.max(msBest.cpu, m.requests / m.cpuSeconds) };
    const w0 = process.hrtime.bigint();
    const c0 = cpuNow();
    for (let it = 0; it < ITER; it++) for (const q of reqs) engine.newTransaction(q).evaluateRequest();
    const wall = Number(process.hrtime.bigint() - w0) / 1e9;
    const cpu = cpuNow() - c0;
    ourBest = { wall: Math.max(ourBest.wall, (N * ITER) / wall), cpu: Math.max(ourBest.cpu, (N * ITER) / cpu) };
    console.log(`  round ${round + 1}: ModSecurity ${(m.requests / m.seconds).toFixed(0)} req/s wall, ${(m.requests / m.cpuSeconds).toFixed(0)} per CPU-s; proctap ${((N * ITER) / wall).toFixed(0)} req/s wall, ${((N * ITER) / cpu).toFixed(0)} per CPU-s`);
  }
  if (!ms) throw new Error('no rounds');
  // On a shared machine wall time depends on the neighbours; CPU time of the process is the
  // steadier figure, so both are printed and the ratio is given for each.
  console.log(`ModSecurity v3 (libmodsecurity3): ${msBest.wall.toFixed(0)} req/s wall, ${msBest.cpu.toFixed(0)} req/s per CPU-second (best of ${ROUNDS} rounds of ${N * ITER} requests)`);
  console.log(`proctap CRS engine:               ${ourBest.wall.toFixed(0)} req/s wall, ${ourBest.cpu.toFixed(0)} req/s per CPU-second (best of ${ROUNDS} rounds of ${N * ITER} requests)`);
  console.log(`ratio proctap/ModSecurity: ${(ourBest.cpu / msBest.cpu).toFixed(2)}x by CPU time, ${(ourBest.wall / msBest.wall).toFixed(2)}x by wall time`);

  let agree = 0;
  let msBlock = 0;
  let ourBlock = 0;
  let sameIds = 0;
  const disagreements: string[] = [];
  for (let i = 0; i < N; i++) {
    const msV = ms.ids[i].includes('949110');
    if (msV) msBlock++;
    if (verdicts[i]) ourBlock++;
    if (msV === verdicts[i]) agree++;
    else if (disagreements.length < 5) disagreements.push(`#${i} ${reqs[i].method} ${reqs[i].uri}: modsec [${ms.ids[i].join(',')}] proctap [${ours[i].join(',')}]`);
    const a = [...new Set(ms.ids[i])].sort().join(',');
    const b = [...new Set(ours[i].map(String))].sort().join(',');
    if (a === b) sameIds++;
  }
  console.log(`verdict agreement (inbound score >= 5): ${agree}/${N} = ${((agree / N) * 100).toFixed(2)}% (ModSecurity flags ${msBlock}, proctap flags ${ourBlock}); identical logged rule ids: ${((sameIds / N) * 100).toFixed(2)}%`);
  for (const d of disagreements) console.log(`  disagreement ${d}`);

  // ReDoS: long inputs that make backtracking regex engines explode, in a form field at 8..64 KB.
  const payloads: Record<string, (n: number) => string> = {
    'a...a!': (n) => 'a'.repeat(n - 1) + '!',
    "' or ' x n": (n) => "'or'".repeat(Math.floor(n / 4)),
    '<a <a <a': (n) => '<a '.repeat(Math.floor(n / 3)),
    '(((( x n': (n) => '('.repeat(n),
    'spaces+tabs': (n) => ' \t'.repeat(Math.floor(n / 2)) + 'x',
    '%0a-; x n': (n) => ';\n-'.repeat(Math.floor(n / 3)),
  };
  const sizes = [8, 16, 32, 64];
  console.log('ReDoS worst case (POST form field, CRS 3.3.4 at paranoia 1 and 4), ms per request:');
  const pl4 = CrsEngine.load({ preFiles: [BENCH_CONF], paranoia: 4 }).engine;
  const worst: Record<string, number[]> = { pl1: [], pl4: [] };
  for (const kb of sizes) {
    let w1 = 0;
    let w4 = 0;
    for (const [, make] of Object.entries(payloads)) {
      const body = 'q=' + encodeURIComponent(make(kb * 1024 - 2)).slice(0, kb * 1024 * 3);
      const q: CrsRequest = {
        method: 'POST', uri: '/search', version: 'HTTP/1.1', body: Buffer.from(body),
        headers: [['Host', 'x'], ['User-Agent', 'bench'], ['Accept', '*/*'], ['Content-Type', 'application/x-www-form-urlencoded'], ['Content-Length', String(body.length)]],
      };
      for (const [e, set] of [[engine, 1], [pl4, 4]] as const) {
        // the best of 3 runs: the cost of the request itself, not of a neighbour's burst
        let ms2 = Infinity;
        for (let rep = 0; rep < 3; rep++) {
          const s = process.hrtime.bigint();
          e.newTransaction(q).evaluateRequest();
          ms2 = Math.min(ms2, Number(process.hrtime.bigint() - s) / 1e6);
        }
        if (set === 1) w1 = Math.max(w1, ms2);
        else w4 = Math.max(w4, ms2);
      }
    }
    worst.pl1.push(w1);
    worst.pl4.push(w4);
    console.log(`  ${String(kb).padStart(2)} KB: worst ${w1.toFixed(1)} ms (PL1), ${w4.toFixed(1)} ms (PL4)`);
  }
  const growth = (a: number[]): string => (a[3] / a[0]).toFixed(1);
  console.log(`  growth 8 KB -> 64 KB (input x8): PL1 x${growth(worst.pl1)}, PL4 x${growth(worst.pl4)} (linear = x8; a backtracking blow-up would be orders of magnitude)`);
  const redos = Object.values(payloads).map((make): CrsRequest => {
    const body = 'q=' + encodeURIComponent(make(64 * 1024 - 2));
    return { method: 'POST', uri: '/search', version: 'HTTP/1.1', body: Buffer.from(body), headers: [['Host', 'x'], ['User-Agent', 'bench'], ['Accept', '*/*'], ['Content-Type', 'application/x-www-form-urlencoded'], ['Content-Length', String(body.length)]] };
  });
  const msRedos = runModsec(bin, redos, 1);
  console.log(`  for comparison, ModSecurity v3 on the six 64 KB payloads: ${((msRedos.seconds / redos.length) * 1000).toFixed(1)} ms per request on average (PCRE with match limits)`);
  fs.rmSync(tmp, { recursive: true, force: true });
}

main();
