// Rule language: header, options, keyword table, variables, fast-pattern choice, load errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadRules, loadRulesAsync, loadRulesDir, loadRulesText, ruleMetadata } from '../src/detect/suricata';
import { parsePcreValue, pcreKey, PcreVerdicts } from '../src/detect/suricata/pcre-compile';
import { chunk, flow, tx } from './suricata-helpers';
import { parseContentBytes } from '../src/detect/suricata/bytes';
import { patternStrength } from '../src/detect/suricata/fast-pattern';
import { AddressEnv, DEFAULT_ADDRESS_VARS, matchAddr, parseAddr, parseIp, parsePorts, matchPort } from '../src/detect/suricata/vars';

test('content strings: hex blocks, escapes', () => {
  assert.deepEqual(parseContentBytes('a|0d 0A|b\\"c|3b|'), Buffer.from('a\r\nb"c;', 'latin1'));
  assert.deepEqual(parseContentBytes('|00ff|'), Buffer.from([0, 255]));
  assert.throws(() => parseContentBytes('|0d'), /unterminated hex/);
  assert.throws(() => parseContentBytes('|0d 0|'), /odd number/);
});

test('a rule parses into header, lists and metadata', () => {
  const { engine, report } = loadRulesText(
    'alert http $HOME_NET any -> $EXTERNAL_NET any (msg:"ET MALWARE Test \\"x\\"\\; y"; flow:established,to_server; ' +
      'http.method; content:"POST"; http.uri; content:"/gate.php"; fast_pattern; content:"id="; distance:0; ' +
      'http.user_agent; content:"Bot"; nocase; reference:url,example.com; classtype:trojan-activity; sid:2000001; rev:3; ' +
      'metadata:former_category MALWARE, signature_severity Major;)',
  );
  assert.equal(report.loaded, 1, JSON.stringify(report.failures));
  const r = engine.rules[0];
  assert.equal(r.msg, 'ET MALWARE Test "x"; y');
  assert.equal(r.sid, 2000001);
  assert.equal(r.rev, 3);
  assert.equal(r.category, 'MALWARE');
  assert.equal(r.severity, 1); // trojan-activity priority
  assert.deepEqual(r.dirs, ['to_server']);
  assert.equal(r.kind, 'http');
  assert.deepEqual(r.lists.map((l) => l.buffer.name), ['http.method', 'http.uri', 'http.user_agent']);
  assert.equal(r.fast?.pattern.toString(), '/gate.php');
  assert.deepEqual(ruleMetadata(r).former_category, ['MALWARE']);
  assert.deepEqual(ruleMetadata(r).signature_severity, ['Major']);
});

test('legacy modifiers move the previous content; pcre flags choose buffers', () => {
  const { engine, report } = loadRulesText(
    'alert tcp any any -> any $HTTP_PORTS (msg:"x"; content:"GET"; http_method; content:"/a"; http_uri; nocase; pcre:"/\\/a[0-9]+/U"; pcre:"/^Mozilla/V"; sid:1;)',
  );
  assert.equal(report.loaded, 1, JSON.stringify(report.failures));
  const r = engine.rules[0];
  assert.equal(r.kind, 'http');
  const uri = r.lists.find((l) => l.buffer.name === 'http.uri')!;
  assert.deepEqual(uri.items.map((i) => i.kind), ['content', 'pcre']);
  assert.ok(r.lists.some((l) => l.buffer.name === 'http.user_agent'));
  assert.equal(uri.items[0].kind === 'content' && uri.items[0].nocase, true);
});

test('fast pattern: explicit, else buffer priority, length, strength', () => {
  const { engine } = loadRulesText(
    [
      'alert http any any -> any any (http.method; content:"POSTPOSTPOST"; http.uri; content:"/x"; sid:1;)',
      'alert http any any -> any any (http.uri; content:"/aaaa"; content:"/abcd"; sid:2;)',
      'alert http any any -> any any (http.uri; content:"/long-one"; content:"/s"; fast_pattern; sid:3;)',
      'alert tcp any any -> any any (content:"abc"; http_header; content:"payload-longer-than"; sid:4;)',
      'alert http any any -> any any (http.uri; content:!"/neg-longer"; content:"/p"; sid:5;)',
      'alert http any any -> any any (http.uri; content:"abcdefgh"; fast_pattern:2,3; sid:6;)',
    ].join('\n'),
  );
  const fp = (sid: number) => engine.rules.find((r) => r.sid === sid)!.fast!.pattern.toString();
  assert.equal(fp(1), '/x'); // http.method has lower priority than other buffers
  assert.equal(fp(2), '/abcd'); // same length: more diverse bytes win
  assert.equal(fp(3), '/s');
  assert.equal(fp(4), 'abc'); // an app-layer buffer (priority 2) beats a longer payload content (3)
  assert.equal(fp(5), '/p'); // negated content ignored when a positive exists
  assert.equal(fp(6), 'cde');
  assert.ok(patternStrength(Buffer.from('abcd')) > patternStrength(Buffer.from('aaaa')));
});

test('load report: every failure has a reason and file:line; the rest still load', () => {
  const text = [
    'alert http any any -> any any (msg:"ok"; http.uri; content:"/ok"; sid:1;)',
    '# alert http any any -> any any (msg:"disabled"; content:"x"; sid:2;)',
    'alert http any any -> any any (msg:"bad kw"; content:"x"; frobnicate:1; sid:3;)',
    'alert http any any -> any any (msg:"lookaround"; pcre:"/a(?=b)/"; sid:4;)',
    'alert dns any any -> any any (msg:"dns"; dns.query; content:"x"; sid:5;)',
    'alert http any any -> any any (msg:"no sid"; content:"x";)',
    'alert http $NOPE any -> any any (msg:"undefined var"; content:"x"; sid:6;)',
    'alert http any any -> any any (msg:"dup"; content:"y"; sid:1; rev:0;)',
    'alert http any any -> any any (msg:"multi \\',
    '  line"; content:"z"; sid:7;)',
  ].join('\n');
  const { report } = loadRulesText(text, {}, 'test.rules');
  assert.equal(report.loaded, 2);
  assert.equal(report.disabledInFile, 1);
  const reasons = Object.fromEntries(report.reasons.map((r) => [r.reason, r.count]));
  assert.equal(reasons['unsupported keyword frobnicate'], 1);
  assert.equal(reasons['pcre that RE2 cannot compile'], 1);
  assert.equal(reasons['protocol dns not supported'], 1);
  assert.equal(reasons['syntax error'], 1);
  assert.equal(reasons['undefined variable'], 1);
  assert.equal(reasons['duplicate sid'], 1);
  const f = report.failures.find((x) => x.reason === 'unsupported keyword frobnicate')!;
  assert.equal(f.file, 'test.rules');
  assert.equal(f.line, 3);
  assert.equal(f.sid, 3);
});

test('addresses: default HOME_NET, negation, lists, per-flow binding', () => {
  const env = new AddressEnv(DEFAULT_ADDRESS_VARS);
  const home = parseAddr('$HOME_NET');
  const ext = parseAddr('$EXTERNAL_NET');
  const ip = (s: string) => parseIp(s)!;
  assert.ok(matchAddr(home, ip('10.1.2.3'), env));
  assert.ok(matchAddr(home, ip('172.20.0.1'), env));
  assert.ok(!matchAddr(home, ip('8.8.8.8'), env));
  assert.ok(matchAddr(ext, ip('8.8.8.8'), env));
  assert.ok(matchAddr(parseAddr('[10.0.0.0/8,!10.1.0.0/16]'), ip('10.2.0.1'), env));
  assert.ok(!matchAddr(parseAddr('[10.0.0.0/8,!10.1.0.0/16]'), ip('10.1.0.1'), env));
  assert.ok(matchAddr(parseAddr('![1.2.3.4,5.6.7.8]'), ip('1.2.3.5'), env));
  assert.ok(matchAddr(parseAddr('2001:db8::/32'), ip('2001:db8::1'), env));
  const bound = env.bind({ HOME_NET: '8.8.8.8' });
  assert.ok(matchAddr(home, ip('8.8.8.8'), bound));
  assert.ok(matchAddr(ext, ip('10.1.2.3'), bound)); // EXTERNAL_NET follows the rebound HOME_NET
  assert.ok(!matchAddr(ext, ip('8.8.8.8'), bound));
});

test('ports: variables, ranges, negation', () => {
  const vars = { HTTP_PORTS: '[80,8080]' };
  assert.ok(matchPort(parsePorts('$HTTP_PORTS', vars), 8080));
  assert.ok(!matchPort(parsePorts('$HTTP_PORTS', vars), 81));
  assert.ok(matchPort(parsePorts('1024:', vars), 5000));
  assert.ok(!matchPort(parsePorts('!80', vars), 80));
  assert.ok(matchPort(parsePorts('[1:100,!80]', vars), 79));
  assert.ok(!matchPort(parsePorts('[1:100,!80]', vars), 80));
  assert.throws(() => parsePorts('$NOPE', vars), /undefined port variable/);
});

test('loadRulesAsync: pcre validated off-thread, same rules and report as loadRules, lazy RE2 works', async () => {
  const text = [
    'alert http any any -> any any (msg:"good"; http.uri; content:"/x"; pcre:"/\\/x[0-9]+$/U"; sid:1;)',
    'alert http any any -> any any (msg:"lookahead"; http.uri; content:"/y"; pcre:"/\\/y(?=z)/U"; sid:2;)',
    'alert http any any -> any any (msg:"backref"; content:"a"; pcre:"/(a)\\1/"; sid:3;)',
    'alert http any any -> any any (msg:"bad flag"; content:"a"; pcre:"/a/J"; sid:4;)',
  ].join('\n');
  const sync = loadRulesText(text);
  const asyncRes = await loadRulesAsync([{ file: '<text>', text }]);
  assert.equal(asyncRes.report.pcreCheck, 'worker');
  assert.equal(sync.report.pcreCheck, 'parse');
  assert.equal(asyncRes.report.loaded, sync.report.loaded);
  assert.deepEqual(asyncRes.report.reasons, sync.report.reasons);
  assert.deepEqual(asyncRes.report.failures.map((f) => [f.sid, f.reason]), sync.report.failures.map((f) => [f.sid, f.reason]));
  assert.deepEqual(asyncRes.engine.rules.map((r) => r.sid), [1]);
  assert.deepEqual(asyncRes.engine.matchRequest(tx({ uri: '/x123' })).map((m) => m.id), [1]);
  assert.deepEqual(asyncRes.engine.matchRequest(tx({ uri: '/xabc' })).map((m) => m.id), []);
});

test('loadRulesDir: every .rules file of a directory, classification.config, configured variables', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'et-dir-'));
  try {
    fs.writeFileSync(path.join(dir, 'b.rules'), 'alert tcp $HOME_NET any -> any $WEB_PORTS (msg:"b"; content:"x"; classtype:my-class; sid:2;)\n');
    fs.writeFileSync(path.join(dir, 'a.rules'), 'alert http any any -> any any (msg:"a"; http.uri; content:"/a"; sid:1;)\n');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not rules');
    fs.writeFileSync(path.join(dir, 'classification.config'), 'config classification: my-class,My Own Class,2\n');
    const { engine, report } = loadRulesDir(dir, { $HOME_NET: '[10.9.0.0/16]', WEB_PORTS: '[8080,8443]' });
    assert.deepEqual(report.files.map((f) => path.basename(f)), ['a.rules', 'b.rules']);
    assert.equal(report.loaded, 2, JSON.stringify(report.failures));
    const b = engine.rules.find((r) => r.sid === 2)!;
    assert.equal(b.severity, 2);
    const hit = engine.matchStream(chunk('..x..', 'to_server', flow('10.9.1.1:5000', '8.8.8.8:8443', 'd1')));
    assert.deepEqual(hit.map((m) => [m.id, m.classDescription]), [[2, 'My Own Class']]);
    assert.deepEqual(engine.matchStream(chunk('..x..', 'to_server', flow('10.8.1.1:5000', '8.8.8.8:8443', 'd2'))), []);
    assert.throws(() => loadRulesDir(path.join(dir, 'missing')), /ENOENT/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('RE2 verdicts are remembered between loads: known-good pcre compile on first use', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'et-verdicts-'));
  const saved = process.env.PROCTAP_HS_CACHE;
  process.env.PROCTAP_HS_CACHE = dir;
  try {
    const rules = path.join(dir, 'x.rules');
    fs.writeFileSync(rules, ['alert http any any -> any any (msg:"a"; http.uri; content:"/a"; pcre:"/\\/abc[0-9]/U"; sid:1;)', 'alert http any any -> any any (msg:"d"; http.uri; content:"/d"; pcre:"/\\/def/U"; sid:2;)'].join('\n'));
    const key = (v: string) => {
      const s = parsePcreValue(v);
      return pcreKey(s.source, s.flags);
    };
    // A verdict file as an earlier load would leave it; the "/def/" entry is made up to prove it is read.
    const verdicts = new PcreVerdicts(dir);
    verdicts.set(key('"/\\/abc[0-9]/U"'), '');
    verdicts.set(key('"/\\/def/U"'), 'made-up verdict');
    verdicts.save(0);
    const { engine, report } = loadRules([rules]);
    assert.deepEqual(engine.rules.map((r) => r.sid), [1]);
    assert.match(report.failures[0].message, /made-up verdict/);
    const item = engine.rules[0].lists.flatMap((l) => l.items).find((i) => i.kind === 'pcre')!;
    assert.equal(item.kind === 'pcre' && item.re, undefined, 'not compiled at load');
    assert.deepEqual(engine.matchRequest(tx({ uri: '/abc7' })).map((m) => m.id), [1]);
    assert.ok(item.kind === 'pcre' && item.re, 'compiled on first use');
  } finally {
    if (saved === undefined) delete process.env.PROCTAP_HS_CACHE;
    else process.env.PROCTAP_HS_CACHE = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
