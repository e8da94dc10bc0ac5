// Operators, each through a one-rule engine so negation, macros and captures are exercised too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CrsEngine } from '../src/detect/crs';
import { pcreToRe2 } from '../src/detect/crs/regex/pcre-to-re2';

function engineFor(rules: string[]): CrsEngine {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crs-op-'));
  fs.mkdirSync(path.join(dir, 'rules'));
  fs.writeFileSync(path.join(dir, 'crs-setup.conf'), 'SecAction "id:1,phase:1,pass,nolog,setvar:tx.limit=3,setvar:tx.allowed=GET HEAD"\n');
  fs.writeFileSync(path.join(dir, 'rules', 'ips.data'), '# comment\n10.0.0.0/8\n::1\n');
  fs.writeFileSync(path.join(dir, 'rules', 'words.data'), 'passwd\n# x\nshadow\n');
  fs.writeFileSync(path.join(dir, 'rules', 'R.conf'), rules.join('\n') + '\n');
  const { engine, report } = CrsEngine.load({ crsDir: dir });
  assert.deepEqual(report.errors, []);
  return engine;
}

function ids(engine: CrsEngine, v: string, ip = '192.0.2.1'): number[] {
  return engine.evaluate({ method: 'GET', uri: '/?v=' + encodeURIComponent(v), version: 'HTTP/1.1', headers: [['Host', 'x']], clientIp: ip }).request.matchedIds;
}

test('@rx (with PCRE-only syntax mapped), negation, capture into TX', () => {
  const e = engineFor([
    'SecRule ARGS:v "@rx (?i)^sel(?>ect)\\s*+(\\w++)" "id:10,phase:2,block,capture,msg:\'%{TX.1}\'"',
    'SecRule ARGS:v "!@rx ^[a-z ]*$" "id:11,phase:2,block"',
    'SecRule ARGS:v "bare\\hpattern" "id:12,phase:2,block"',
  ]);
  const r = e.evaluate({ method: 'GET', uri: '/?v=SELECT%20name', version: 'HTTP/1.1', headers: [] }).request;
  assert.deepEqual(r.matchedIds, [10, 11]);
  assert.equal(r.matches[0].msg, 'name');
  assert.deepEqual(ids(e, 'bare pattern'), [12]);
  assert.equal(pcreToRe2('a*+b++(?>c)\\h\\Z'), 'a*b+(?:c)[\\t ](?:\\n?\\z)');
});

test('@pm, @pmFromFile (case-insensitive), @contains, @beginsWith, @endsWith, @streq, @within with macros', () => {
  const e = engineFor([
    'SecRule ARGS:v "@pm nikto SQLmap" "id:20,phase:2,block"',
    'SecRule ARGS:v "@pmFromFile words.data" "id:21,phase:2,block"',
    'SecRule ARGS:v "@contains etc" "id:22,phase:2,block"',
    'SecRule ARGS:v "@beginsWith /etc" "id:23,phase:2,block"',
    'SecRule ARGS:v "@endsWith wd" "id:24,phase:2,block"',
    'SecRule ARGS:v "@streq GET" "id:25,phase:2,block"',
    'SecRule ARGS:v "@within %{tx.allowed}" "id:26,phase:2,block"',
  ]);
  assert.deepEqual(ids(e, 'running SQLMAP now'), [20]);
  assert.deepEqual(ids(e, '/etc/PassWd'), [21, 22, 23]);
  assert.deepEqual(ids(e, 'GET'), [25, 26]);
});

test('numeric operators with macros and & counts', () => {
  const e = engineFor([
    'SecRule &ARGS "@gt %{tx.limit}" "id:30,phase:2,block"',
    'SecRule ARGS:v "@eq 5" "id:31,phase:2,block"',
    'SecRule ARGS:v "@ge 5" "id:32,phase:2,block"',
    'SecRule ARGS:v "@lt 5" "id:33,phase:2,block"',
    'SecRule ARGS:v "@le 5" "id:34,phase:2,block"',
  ]);
  assert.deepEqual(ids(e, '5'), [31, 32, 34]);
  assert.deepEqual(ids(e, 'abc'), [33, 34]);
  const many = e.evaluate({ method: 'GET', uri: '/?a=1&b=2&c=3&d=4', version: 'HTTP/1.1', headers: [] }).request.matchedIds;
  assert.deepEqual(many, [30]);
});

test('@ipMatch, @ipMatchFromFile', () => {
  const e = engineFor([
    'SecRule REMOTE_ADDR "@ipMatch 192.0.2.0/24,2001:db8::1" "id:40,phase:1,block"',
    'SecRule REMOTE_ADDR "@ipMatchFromFile ips.data" "id:41,phase:1,block"',
  ]);
  assert.deepEqual(ids(e, 'x', '192.0.2.77'), [40]);
  assert.deepEqual(ids(e, 'x', '10.1.2.3'), [41]);
  assert.deepEqual(ids(e, 'x', '2001:db8::1'), [40]);
  assert.deepEqual(ids(e, 'x', '198.51.100.1'), []);
});

test('@validateByteRange, @validateUrlEncoding, @validateUtf8Encoding', () => {
  const e = engineFor([
    'SecRule ARGS:v "@validateByteRange 32-126" "id:50,phase:2,block"',
    'SecRule REQUEST_URI "@validateUrlEncoding" "id:51,phase:2,block"',
    'SecRule ARGS:v "@validateUtf8Encoding" "id:52,phase:2,block"',
  ]);
  assert.deepEqual(ids(e, 'plain text'), []);
  assert.deepEqual(ids(e, 'tab\there'), [50]);
  assert.deepEqual(ids(e, 'é'), [50]); // valid UTF-8, but bytes above 126
  const bad = e.evaluate({ method: 'GET', uri: '/?v=%C3%28&w=%zz', version: 'HTTP/1.1', headers: [] }).request.matchedIds;
  assert.deepEqual(bad, [50, 51, 52]);
});

test('@detectSQLi and @detectXSS use libinjection (fingerprint captured)', () => {
  const e = engineFor([
    'SecRule ARGS:v "@detectSQLi" "id:60,phase:2,block,capture,msg:\'%{TX.0}\'"',
    'SecRule ARGS:v "@detectXSS" "id:61,phase:2,block"',
  ]);
  const r = e.evaluate({ method: 'GET', uri: "/?v=1'%20OR%20'1'='1", version: 'HTTP/1.1', headers: [] }).request;
  assert.deepEqual(r.matchedIds, [60]);
  assert.match(r.matches[0].msg, /^s/); // libinjection fingerprint, e.g. "s&sos"
  assert.deepEqual(ids(e, '<img src=x onerror=alert(1)>'), [61]);
  assert.deepEqual(ids(e, 'hello world'), []);
});

test('rx prefilter literals are sound: whenever a CRS pattern matches, one of its literals is in the value', async () => {
  const { requiredLiterals, lowerLatin1 } = await import('../src/detect/crs/regex/literals');
  const { compileRegex } = await import('../src/detect/crs/regex/compile');
  const { readSuite } = await import('../src/detect/crs/ftw/suite');
  const { urlDecodeUni } = await import('../src/detect/crs/transformations/url-decode-uni');
  assert.deepEqual(requiredLiterals('(?i)union\\s+select'), ['select']);
  assert.deepEqual(requiredLiterals('(?:foo|bar)baz'), ['foobaz', 'barbaz']);
  assert.equal(requiredLiterals('a|b'), undefined);
  assert.equal(requiredLiterals('x*y?'), undefined);
  const data = path.resolve(__dirname, '..', '..', 'shared', 'data', 'crs', 'v4.28.0');
  const values = new Set<string>();
  for (const t of readSuite(path.join(data, 'tests', 'regression', 'tests')).slice(0, 1500)) {
    for (const st of t.stages) {
      values.add(urlDecodeUni(st.request.uri));
      if (st.request.body) values.add(urlDecodeUni(st.request.body.toString('latin1')));
    }
  }
  const patterns = fs.readFileSync(path.join(data, 'rules', 'REQUEST-942-APPLICATION-ATTACK-SQLI.conf'), 'latin1')
    .split('\n').map((l) => /^SecRule \S+ "@rx (.*)" \\$/.exec(l)?.[1]).filter((p): p is string => p !== undefined);
  assert.ok(patterns.length > 20);
  let checked = 0;
  for (const p of patterns) {
    const lits = requiredLiterals(p.replace(/\\"/g, '"'));
    if (!lits) continue;
    const re = compileRegex(p.replace(/\\"/g, '"'));
    for (const v of values) {
      if (re.test(Buffer.from(v, 'utf8'))) {
        checked++;
        assert.ok(lits.some((l) => lowerLatin1(v).includes(l)), `/${p}/ matched ${JSON.stringify(v)} without any of ${lits}`);
      }
    }
  }
  assert.ok(checked > 100, `only ${checked} matches checked`);
});
