// Scoring, thresholds per direction, redaction, repeat keys and incident building.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig } from '../src/config/defaults';
import { scoreMatches } from '../src/incidents/scoring';
import { Redactor } from '../src/incidents/redaction';
import { incidentFromTransaction, incidentFromStream, directionOf } from '../src/incidents/build';
import { RepeatTracker } from '../src/incidents/repeats';
import { crs, et, tx, flow, chunk } from './agent-fixtures';

const never = (): boolean => false;

test('CRS points add up; ET points come from the severity mapping; threshold per direction', () => {
  const c = defaultConfig();
  // Two CRS rules (critical = 5 points each in CRS) and one ET severity-2 alert (4 points by default).
  const ms = [crs(942100, 5), crs(942190, 5), et(2011768, 2)];
  const inb = scoreMatches(ms, c, 'inbound', 'http', never);
  assert.equal(inb.score, 14);
  assert.equal(inb.threshold, 5);
  assert.equal(inb.reached, true);
  assert.deepEqual(inb.rules.map((r) => r.points), [5, 5, 4]);

  // A single ET severity-3 alert: 3 points: below inbound 5, below outbound 4.
  assert.equal(scoreMatches([et(1, 3)], c, 'inbound', 'http', never).reached, false);
  assert.equal(scoreMatches([et(1, 3)], c, 'outbound', 'http', never).reached, false);
  // Severity 2 (4 points): reaches outbound (4) but not inbound (5).
  assert.equal(scoreMatches([et(1, 2)], c, 'outbound', 'http', never).reached, true);
  assert.equal(scoreMatches([et(1, 2)], c, 'inbound', 'http', never).reached, false);

  // Configurable mapping.
  c.detection.severity_points = { '1': 5, '2': 5, '3': 3, '4': 2 };
  assert.equal(scoreMatches([et(1, 2)], c, 'inbound', 'http', never).reached, true);
});

test('a rule counts once per transaction; bookkeeping rules and disabled rules do not count', () => {
  const c = defaultConfig();
  const r = scoreMatches([crs(942100, 5), crs(942100, 5), crs(949110, 0), crs(941100, 5)], c, 'inbound', 'http', (m) => m.id === 941100);
  assert.deepEqual(r.rules.map((x) => x.id), [942100]);
  assert.equal(r.score, 5);
  assert.equal(r.ignored, 2);
});

test('rulesets per direction and protocol select categories', () => {
  const c = defaultConfig();
  c.rules.inbound.http = { crs: ['xss'], et: [] };
  c.rules.outbound.http = { crs: [], et: ['malware'] };
  const sqli = crs(942100, 5);
  const xss = crs(941100, 5);
  assert.equal(scoreMatches([sqli], c, 'inbound', 'http', never).reached, false);
  assert.equal(scoreMatches([xss], c, 'inbound', 'http', never).reached, true);
  assert.equal(scoreMatches([xss], c, 'inbound', 'https', never).reached, true, 'https keeps its own default (all)');
  assert.equal(scoreMatches([et(1, 1, 'ET MALWARE beacon')], c, 'outbound', 'http', never).reached, true);
  assert.equal(scoreMatches([et(1, 1, 'ET POLICY curl')], c, 'outbound', 'http', never).reached, false);
  c.rules.et.enabled = false;
  assert.equal(scoreMatches([et(1, 1, 'ET MALWARE beacon')], c, 'outbound', 'http', never).reached, false);
});

test('redaction: headers, query, urlencoded, JSON (even cut short), multipart, and matched text', () => {
  const r = new Redactor(defaultConfig().redaction);
  const h = r.headerList([
    { name: 'Authorization', value: 'Bearer abc.def.ghi' },
    { name: 'Cookie', value: 'sid=S3cr3tSess; theme=dark' },
    { name: 'Accept', value: '*/*' },
  ]);
  assert.deepEqual(h, [
    { name: 'Authorization', value: 'Bearer [REDACTED]' },
    { name: 'Cookie', value: '[REDACTED]' },
    { name: 'Accept', value: '*/*' },
  ]);
  assert.equal(r.uri('/login?user=bob&password=hunter22&x=1'), '/login?user=bob&password=%5BREDACTED%5D&x=1');
  assert.equal(r.body(Buffer.from('user=bob&api_key=K-123456'), 'application/x-www-form-urlencoded').toString(), 'user=bob&api_key=%5BREDACTED%5D');
  assert.equal(
    r.body(Buffer.from('{"user": "bob", "auth": {"accessToken": "tok-999", "n": 1}, "clientSecret": 12345'), 'application/json').toString(),
    '{"user": "bob", "auth": {"accessToken": "[REDACTED]", "n": 1}, "clientSecret": "[REDACTED]"',
  );
  const mp = '--b\r\nContent-Disposition: form-data; name="user"\r\n\r\nbob\r\n--b\r\nContent-Disposition: form-data; name="password"\r\n\r\npw-42-xyz\r\n--b--\r\n';
  assert.equal(r.body(Buffer.from(mp), 'multipart/form-data; boundary=b').toString(), mp.replace('pw-42-xyz', '[REDACTED]'));
  // Matched data: by target, and by the secret values seen above.
  assert.equal(r.matched('REQUEST_HEADERS:Authorization', 'Bearer abc.def.ghi'), '[REDACTED]');
  assert.equal(r.matched('REQUEST_COOKIES:sid', 'S3cr3tSess'), '[REDACTED]');
  assert.equal(r.matched('ARGS:password', "' or 1=1"), '[REDACTED]');
  assert.equal(r.matched('REQUEST_BODY', 'password=hunter22 union select'), 'password=[REDACTED] union select');
  assert.equal(r.matched('ARGS:id', "1' OR 1=1"), "1' OR 1=1");
  const off = new Redactor({ ...defaultConfig().redaction, enabled: false });
  assert.equal(off.uri('/?password=x'), '/?password=x');
});

test('an incident from a transaction has process, connection, redacted request/response, capped bodies', () => {
  const c = defaultConfig();
  c.limits.incident_body_bytes = 40;
  const t = tx({
    method: 'POST',
    uri: "/search?q=1'%20OR%201=1&token=abcdef",
    headers: [
      ['Host', 'app.test'],
      ['Authorization', 'Basic Ym9iOnNlY3JldA=='],
      ['Content-Type', 'application/x-www-form-urlencoded'],
    ],
    body: 'password=topsecret&comment=' + 'x'.repeat(100),
    status: 500,
    responseHeaders: [['Set-Cookie', 'sid=zzz999; HttpOnly']],
    responseBody: 'SQL syntax error near',
  });
  const dir = directionOf(t.flow);
  assert.equal(dir, 'inbound');
  const scored = scoreMatches([crs(942100, 5, 'ARGS:q', "1' OR 1=1"), crs(920350, 3, 'REQUEST_HEADERS:Authorization', 'Basic Ym9iOnNlY3JldA==', 3)], c, dir, 'http', () => false);
  const inc = incidentFromTransaction(t, scored, dir, 'http', { config: c, configGeneration: 3, host: 'h1', nowMs: 1700000000000, seq: 1 });
  assert.match(inc.id, /^inc-[0-9a-f]{20}$/);
  assert.equal(inc.host, 'h1');
  assert.deepEqual({ pid: inc.process.pid, comm: inc.process.comm, exe: inc.process.exe }, { pid: 1234, comm: 'webapp', exe: '/usr/bin/webapp' });
  assert.equal(inc.connection.localAddr, '10.1.2.1');
  assert.equal(inc.connection.remoteAddr, '10.1.2.3');
  assert.equal(inc.connection.direction, 'inbound');
  assert.equal(inc.score, 8);
  assert.equal(inc.threshold, 5);
  assert.equal(inc.severity, 1);
  assert.equal(inc.configGeneration, 3);
  assert.equal(inc.request?.uri, "/search?q=1'%20OR%201=1&token=%5BREDACTED%5D");
  assert.equal(inc.request?.headers[1].value, 'Basic [REDACTED]');
  assert.equal(inc.request?.body.length, 40);
  assert.equal(inc.request?.bodyTruncated, true);
  assert.ok(inc.request?.body.toString().startsWith('password=%5BREDACTED%5D&comment='));
  assert.equal(inc.response?.status, 500);
  assert.equal(inc.response?.headers[0].value, '[REDACTED]');
  assert.equal(inc.rules[1].matched, '[REDACTED]');
  assert.equal(inc.rules[0].matched, "1' OR 1=1");
  assert.equal(inc.rules[0].category, 'sqli');
});

test('outbound stream incident; repeat keys ignore the ephemeral port; tracker window', () => {
  const c = defaultConfig();
  const f = flow({ localRole: 'client', comm: 'curl', pid: 77, client: { addr: '10.0.0.5', port: 40000 }, server: { addr: '198.51.100.7', port: 80 } });
  const scored = scoreMatches([et(2019401, 1, 'ET MALWARE beacon', 'stream', 'BEACON')], c, 'outbound', 'tcp', () => false);
  assert.ok(scored.reached);
  const a = incidentFromStream(chunk('BEACON v1', f), scored, 'outbound', { config: c, configGeneration: 1, host: 'h', nowMs: 1000, seq: 1 });
  assert.equal(a.connection.direction, 'outbound');
  assert.equal(a.connection.remoteAddr, '198.51.100.7');
  assert.equal(a.stream?.data.toString(), 'BEACON v1');
  const f2 = { ...f, client: { addr: '10.0.0.5', port: 40001 } };
  const b = incidentFromStream(chunk('BEACON v1', f2), scored, 'outbound', { config: c, configGeneration: 1, host: 'h', nowMs: 2000, seq: 2 });
  assert.equal(a.repeatKey, b.repeatKey);
  assert.equal(a.maskKey, b.maskKey);
  const tr = new RepeatTracker(60_000);
  tr.track(a);
  assert.equal(tr.find(b.repeatKey, 30_000), a);
  assert.equal(tr.find(b.repeatKey, 1000 + 60_001), undefined, 'outside the window');
});
