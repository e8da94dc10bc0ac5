// The SecLang engine on small rule files: load errors with file:line while the rest still loads,
// chains, skipAfter, setvar arithmetic and macros, ctl, removal/update directives, body
// processors, per-evaluation disabled ids, rule-file restriction, and the real CRS at PL1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CrsEngine } from '../src/detect/crs';
import type { CrsRequest } from '../src/detect/crs';

function crsDir(files: Record<string, string>, setup = 'SecDefaultAction "phase:1,log,pass"\nSecDefaultAction "phase:2,log,pass"\n'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crs-engine-'));
  fs.mkdirSync(path.join(dir, 'rules'));
  fs.writeFileSync(path.join(dir, 'crs-setup.conf'), setup);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, 'rules', name), text);
  return dir;
}

const get = (uri: string, headers: Array<[string, string]> = [['Host', 'x']]): CrsRequest => ({ method: 'GET', uri, version: 'HTTP/1.1', headers });
const post = (ct: string, body: string): CrsRequest => ({
  method: 'POST', uri: '/p', version: 'HTTP/1.1', headers: [['Host', 'x'], ['Content-Type', ct], ['Content-Length', String(Buffer.byteLength(body))]], body: Buffer.from(body),
});

test('a malformed rule is reported with file and line; the rest load and run', () => {
  const dir = crsDir({
    'A.conf': [
      'SecRule ARGS "@rx foo" "id:1,phase:2,block,msg:\'foo\'"',
      'SecRule ARGS "@nosuchop x" "id:2,phase:2,block"',
      'SecRule ARGS "@rx (?<=a)b" "id:3,phase:2,block"',
      'SecRule NOSUCHVAR "@rx x" "id:4,phase:2,block"',
      'SecRule ARGS "@rx x" \\',
      '    "id:5,phase:2,block,chain"',
      '    SecRule ARGS "@badop y" "t:none"',
      'SecNoSuchDirective On',
      'SecRule ARGS "@rx bar" "id:6,phase:2,block"',
    ].join('\n'),
  });
  const { engine, report } = CrsEngine.load({ crsDir: dir });
  const file = path.join(dir, 'rules', 'A.conf');
  const lines = report.errors.map((e) => `${path.basename(e.file)}:${e.line}`);
  assert.deepEqual(lines, ['A.conf:2', 'A.conf:3', 'A.conf:4', 'A.conf:7', 'A.conf:8']);
  assert.match(report.errors[0].message, /rule 2: unknown operator @nosuchop/);
  assert.match(report.errors[1].message, /rule 3: RE2 cannot compile/);
  assert.match(report.errors[2].message, /unknown variable NOSUCHVAR/);
  assert.match(report.errors[3].message, /rule 5 \(chained\)/);
  assert.ok(report.errors.every((e) => e.file === file));
  assert.equal(report.rules, 2);
  assert.deepEqual(engine.evaluate(get('/?a=foo&b=bar')).request.matchedIds, [1, 6]);
});

test('chains, capture, setvar arithmetic with macros, skipAfter, nolog, scores', () => {
  const dir = crsDir({
    'B.conf': [
      'SecAction "id:10,phase:1,pass,nolog,setvar:tx.points=5"',
      'SecRule ARGS:q "@rx ^(\\w+)=(\\d+)$" "id:11,phase:2,block,capture,msg:\'pair %{TX.1}\',logdata:\'%{MATCHED_VAR_NAME}\',chain"',
      '    SecRule TX:2 "@gt 10" "setvar:tx.inbound_anomaly_score_pl1=+%{tx.points},setvar:tx.seen=%{tx.1}"',
      'SecRule TX:seen "@streq id" "id:12,phase:2,pass,nolog,skipAfter:END"',
      'SecRule ARGS "@rx ." "id:13,phase:2,block,msg:\'skipped\'"',
      'SecMarker END',
      'SecRule TX:seen "@streq id" "id:14,phase:2,block,setvar:tx.inbound_anomaly_score_pl1=-1"',
    ].join('\n'),
  });
  const { engine, report } = CrsEngine.load({ crsDir: dir });
  assert.deepEqual(report.errors, []);
  const hit = engine.evaluate(get('/?q=id%3D42')).request;
  assert.deepEqual(hit.matchedIds, [11, 14]);
  assert.equal(hit.matches[0].msg, 'pair id');
  assert.equal(hit.matches[0].data, 'TX:2'); // logdata expands after the whole chain, as in ModSecurity
  assert.equal(hit.matches[0].target, 'TX:2');
  assert.equal(hit.matches[0].points, 5);
  assert.equal(hit.inboundScore, 4);
  const miss = engine.evaluate(get('/?q=id%3D7')).request;
  assert.deepEqual(miss.matchedIds, [13]);
});

test('ctl:ruleRemoveTargetById, SecRuleUpdateTargetById, SecRuleRemoveById, disabled ids, categories', () => {
  const dir = crsDir({
    'REQUEST-1-A.conf': [
      'SecRule REQUEST_URI "@beginsWith /admin" "id:20,phase:1,pass,nolog,ctl:ruleRemoveTargetById=21;ARGS:safe"',
      'SecRule ARGS "@contains evil" "id:21,phase:2,block"',
      'SecRule ARGS "@contains evil" "id:22,phase:2,block"',
      'SecRule ARGS "@contains evil" "id:23,phase:2,block"',
    ].join('\n'),
    'REQUEST-2-B.conf': 'SecRule ARGS "@contains evil" "id:30,phase:2,block"\n',
  });
  const extra = path.join(dir, 'after.conf');
  fs.writeFileSync(extra, 'SecRuleUpdateTargetById 22 "!ARGS:safe"\nSecRuleRemoveById 23\n');
  const { engine } = CrsEngine.load({ crsDir: dir, postFiles: [extra] });
  assert.deepEqual(engine.evaluate(get('/admin?safe=evil')).request.matchedIds, [30]);
  assert.deepEqual(engine.evaluate(get('/x?safe=evil')).request.matchedIds, [21, 30]);
  assert.deepEqual(engine.evaluate(get('/x?other=evil')).request.matchedIds, [21, 22, 30]);
  assert.deepEqual(engine.evaluate(get('/x?other=evil'), undefined, { disabledIds: new Set([21, 30]) }).request.matchedIds, [22]);
  engine.disableRule(22);
  assert.deepEqual(engine.evaluate(get('/x?other=evil')).request.matchedIds, [21, 30]);
  engine.enableRule(22);
  const only = CrsEngine.load({ crsDir: dir, includeCategories: ['REQUEST-2-B'] }).engine;
  assert.deepEqual(only.evaluate(get('/x?other=evil')).request.matchedIds, [30]);
});

test('body processors: urlencoded, multipart, JSON and XML (via ctl), with REQBODY_ERROR', () => {
  const dir = crsDir({
    'C.conf': [
      'SecRule REQUEST_HEADERS:Content-Type "^application/json" "id:40,phase:1,pass,nolog,ctl:requestBodyProcessor=JSON"',
      'SecRule REQUEST_HEADERS:Content-Type "^application/xml" "id:41,phase:1,pass,nolog,ctl:requestBodyProcessor=XML"',
      'SecRule ARGS_POST:a|ARGS_POST:json.user.name|XML:/*|XML://@*|FILES|ARGS_POST:field "@contains attack" "id:42,phase:2,block,msg:\'%{MATCHED_VAR_NAME}\'"',
      'SecRule REQBODY_ERROR "!@eq 0" "id:43,phase:2,block"',
      'SecRule MULTIPART_STRICT_ERROR "!@eq 0" "id:44,phase:2,block"',
      'SecRule FILES:f "@endsWith .php" "id:45,phase:2,block,msg:\'%{MATCHED_VAR}\'"',
    ].join('\n'),
  });
  const { engine } = CrsEngine.load({ crsDir: dir });
  const msg = (r: CrsRequest): string[] => engine.evaluate(r).request.matches.map((m) => `${m.id} ${m.msg}`);
  assert.deepEqual(msg(post('application/x-www-form-urlencoded', 'a=an+attack&b=1')), ['42 ARGS_POST:a']);
  assert.deepEqual(msg(post('application/json', '{"user":{"name":"attack"}}')), ['42 ARGS_POST:json.user.name']);
  assert.deepEqual(msg(post('application/json', '{"user":')), ['43 ']);
  assert.deepEqual(msg(post('application/xml', '<a x="attack">b</a>')), ['42 XML://@*']);
  assert.deepEqual(msg(post('application/xml', '<a>attack</b>')), ['43 ']);
  const mp = '--XX\r\nContent-Disposition: form-data; name="field"\r\n\r\nattack\r\n--XX\r\nContent-Disposition: form-data; name="f"; filename="attack.php"\r\n\r\n<?php\r\n--XX--\r\n';
  assert.deepEqual(msg(post('multipart/form-data; boundary=XX', mp)), ['42 ARGS_POST:field', '45 attack.php']);
  // parts before the damage stay available, as in ModSecurity
  assert.deepEqual(msg(post('multipart/form-data; boundary=XX', mp.slice(0, -8))), ['42 ARGS_POST:field', '43 ', '44 ']);
});

test('response phases: RESPONSE_STATUS, RESPONSE_HEADERS and RESPONSE_BODY of allowed MIME types', () => {
  const dir = crsDir({
    'D.conf': [
      'SecResponseBodyAccess On',
      'SecResponseBodyMimeType text/html',
      'SecRule RESPONSE_STATUS "@eq 500" "id:50,phase:3,block,setvar:tx.outbound_anomaly_score_pl1=+4"',
      'SecRule RESPONSE_BODY "@contains ORA-00933" "id:51,phase:4,block,setvar:tx.outbound_anomaly_score_pl1=+4"',
    ].join('\n'),
  });
  const { engine } = CrsEngine.load({ crsDir: dir });
  const body = Buffer.from('<html>ORA-00933: SQL command not properly ended</html>');
  const html = engine.evaluate(get('/'), { status: 500, headers: [['Content-Type', 'text/html']], body });
  assert.deepEqual(html.response?.matchedIds, [50, 51]);
  assert.equal(html.response?.outboundScore, 8);
  const bin = engine.evaluate(get('/'), { status: 200, headers: [['Content-Type', 'application/octet-stream']], body });
  assert.deepEqual(bin.response?.matchedIds, []);
});

test('real CRS 4.28 at paranoia 1: benign request scores 0, SQLi and XSS score >= 5', () => {
  const { engine, report } = CrsEngine.load({ crsDir: path.resolve(__dirname, '..', '..', 'shared', 'data', 'crs', 'v4.28.0'), paranoia: 1 });
  assert.deepEqual(report.errors, []);
  assert.ok(report.rules > 600);
  const h: Array<[string, string]> = [['Host', 'shop.example'], ['User-Agent', 'Mozilla/5.0'], ['Accept', 'text/html']];
  const benign = engine.evaluate(get('/products?id=42&sort=price', h)).request;
  assert.equal(benign.inboundScore, 0);
  assert.deepEqual(benign.matchedIds, []);
  const sqli = engine.evaluate(get("/products?id=42'%20UNION%20SELECT%20password%20FROM%20users--", h)).request;
  assert.ok(sqli.matchedIds.includes(942100), `ids ${sqli.matchedIds}`);
  assert.ok(sqli.inboundScore >= 5);
  const m = sqli.matches.find((x) => x.id === 942100);
  assert.equal(m?.source, 'crs');
  assert.equal(m?.target, 'ARGS:id');
  assert.equal(m?.severity, 1);
  assert.ok(m?.tags.includes('attack-sqli'));
  const xss = engine.evaluate(get('/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E', h)).request;
  assert.ok(xss.matchedIds.includes(941100));
});

test('malformed traffic never throws: random bytes in every part, every body processor', () => {
  const { engine } = CrsEngine.load({ crsDir: path.resolve(__dirname, '..', '..', 'shared', 'data', 'crs', 'v4.28.0'), paranoia: 4 });
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const bytes = (n: number): string => {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(rnd(4) === 0 ? rnd(256) : 32 + rnd(95));
    return s;
  };
  const cts = ['multipart/form-data; boundary=', 'multipart/form-data; boundary="x', 'application/json', 'application/xml', 'application/x-www-form-urlencoded', 'text/plain', bytes(10)];
  for (let i = 0; i < 150; i++) {
    const ct = cts[rnd(cts.length)] + (rnd(2) ? bytes(5) : '');
    let body = bytes(rnd(400));
    if (ct.startsWith('application/json') && rnd(2)) body = '['.repeat(2000) + body;
    if (ct.startsWith('multipart') && rnd(2)) body = `--${ct.split('boundary=')[1] ?? ''}\r\nContent-Disposition: form-data; name="${bytes(4)}"; filename=${bytes(6)}\r\n\r\n${body}`;
    const req: CrsRequest = {
      method: bytes(1 + rnd(6)),
      uri: '/' + bytes(rnd(200)),
      version: rnd(3) ? 'HTTP/1.1' : bytes(4),
      headers: [['Host', bytes(8)], ['Content-Type', ct], [bytes(6), bytes(30)], ['Cookie', bytes(40)]],
      body: Buffer.from(body, 'latin1'),
    };
    const r = engine.evaluate(req, { status: rnd(600), headers: [['Content-Type', 'text/html']], body: Buffer.from(bytes(300), 'latin1') });
    assert.ok(Number.isFinite(r.all.inboundScore));
  }
});

test("Debian's modsecurity-crs (3.3.4) is the default: loads with exactly one rule reported (942130, back-reference)", { skip: !fs.existsSync('/usr/share/modsecurity-crs/rules') && 'Debian package modsecurity-crs not installed' }, () => {
  const { engine, report } = CrsEngine.load();
  assert.ok(report.files.some((f) => f === '/etc/modsecurity/crs/crs-setup.conf'), 'Debian setup file loaded');
  assert.ok(report.rules > 600, `${report.rules} rules`);
  assert.deepEqual(report.errors.map((e) => `${path.basename(e.file)}:${e.line}`), ['REQUEST-942-APPLICATION-ATTACK-SQLI.conf:571']);
  assert.match(report.errors[0].message, /rule 942130: RE2 cannot compile/);
  // 920120 (look-behind) runs through its rewrite: a file name with a quote is flagged
  const mp = '--B\r\nContent-Disposition: form-data; name="f"; filename="a\'b.txt"\r\n\r\nx\r\n--B--\r\n';
  const r = engine.evaluate({ method: 'POST', uri: '/up', version: 'HTTP/1.1', body: Buffer.from(mp),
    headers: [['Host', 'x'], ['User-Agent', 'u'], ['Accept', '*/*'], ['Content-Type', 'multipart/form-data; boundary=B'], ['Content-Length', String(mp.length)]] });
  assert.ok(r.request.matchedIds.includes(920120), `ids ${r.request.matchedIds}`);
});
