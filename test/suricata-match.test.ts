// Matching: HTTP transactions per direction, stream chunks, content modifiers, pcre, byte_*,
// flowbits, thresholds, per-flow address binding, run-time disabling, category selection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostAddressVars, loadRulesText } from '../src/detect/suricata';
import { chunk, flow, tx } from './suricata-helpers';

function sids(ms: Array<{ id: number }>): number[] {
  return ms.map((m) => m.id).sort((a, b) => a - b);
}

for (const prefilter of ['hyperscan', 'aho-corasick'] as const) {
  test(`request rules match the request side only (${prefilter})`, () => {
    const { engine, report } = loadRulesText(
      [
        'alert http $HOME_NET any -> $EXTERNAL_NET any (msg:"ET WEB_SERVER uri"; flow:established,to_server; http.method; content:"POST"; http.uri; content:"/wp-login.php"; fast_pattern; classtype:web-application-attack; sid:10; rev:2;)',
        'alert http any any -> any any (msg:"ET INFO UA"; flow:to_server; http.user_agent; content:"curl/"; startswith; sid:11;)',
        'alert http any any -> any any (msg:"ET INFO resp"; flow:to_client; http.stat_code; content:"500"; file.data; content:"Exception"; sid:12;)',
        'alert http any any -> any any (msg:"neg"; http.uri; content:"/wp-"; content:!"admin"; sid:13;)',
      ].join('\n'),
      { prefilter },
    );
    assert.equal(report.loaded, 4);
    const t = tx({ method: 'POST', uri: '/wp-login.php?x=1', reqHeaders: [['Host', 'a.example'], ['User-Agent', 'curl/8.0']], status: 500, respBody: 'java.lang.Exception: boom' });
    const req = engine.matchRequest(t);
    assert.deepEqual(sids(req), [10, 11, 13]);
    const m = req.find((x) => x.id === 10)!;
    assert.equal(m.rev, 2);
    assert.equal(m.msg, 'ET WEB_SERVER uri');
    assert.equal(m.severity, 1);
    assert.equal(m.classtype, 'web-application-attack');
    assert.equal(m.category, 'web_server');
    assert.ok(['http.uri', 'http.method'].includes(m.target));
    assert.ok(m.matched.includes('/wp-login.php') || m.matched === 'POST');
    assert.deepEqual(sids(engine.matchResponse(t)), [12]);
    assert.equal(engine.matchResponse(t)[0].target, 'file.data'); // the fast-pattern list's bytes
    assert.equal(engine.matchResponse(t)[0].matched, 'Exception');
    // Case matters without nocase; a different method does not match.
    assert.deepEqual(sids(engine.matchRequest(tx({ method: 'GET', uri: '/WP-LOGIN.PHP' }))), []);
  });
}

test('content modifiers: depth, offset, distance, within, endswith, nocase, backtracking', () => {
  const { engine } = loadRulesText(
    [
      'alert http any any -> any any (http.uri; content:"/a"; depth:2; sid:1;)',
      'alert http any any -> any any (http.uri; content:"b"; offset:3; depth:1; sid:2;)',
      'alert http any any -> any any (http.uri; content:"x="; content:"1"; distance:0; within:1; sid:3;)',
      'alert http any any -> any any (http.uri; content:".php"; endswith; sid:4;)',
      'alert http any any -> any any (http.uri; content:"ABBC"; nocase; sid:5;)',
      'alert http any any -> any any (http.uri; content:"x="; content:"2"; distance:0; within:1; sid:6;)',
      'alert http any any -> any any (http.uri; content:"/"; content:"b"; distance:1; within:1; sid:7;)',
    ].join('\n'),
  );
  // The first "x=" is followed by "2", the second by "1": sid 3 needs backtracking to the second.
  assert.deepEqual(sids(engine.matchRequest(tx({ uri: '/abbc/x=2&x=1' }))), [1, 2, 3, 5, 6, 7]);
  assert.deepEqual(sids(engine.matchRequest(tx({ uri: '/q/x=2&x=1' }))), [3, 6]);
  assert.deepEqual(sids(engine.matchRequest(tx({ uri: '/q/x=2' }))), [6]);
  assert.deepEqual(sids(engine.matchRequest(tx({ uri: '/index.php' }))), [4]);
});

test('pcre on RE2: flags, relative, bytes >= 0x80, negation', () => {
  const { engine, report } = loadRulesText(
    [
      'alert http any any -> any any (http.uri; content:"id="; pcre:"/^[0-9]{3}(&|$)/R"; sid:1;)',
      'alert http any any -> any any (pcre:"/^\\/admin/Ui"; sid:2;)',
      'alert http any any -> any any (http.request_body; content:"data"; pcre:"/\\xff\\xfe[a-z]/"; sid:3;)',
      'alert http any any -> any any (http.uri; content:"/"; pcre:!"/evil/"; sid:4;)',
      'alert http any any -> any any (http.header; content:"Host"; pcre:"/^Host:\\s+[^\\r\\n]+\\.ru\\r?$/Hmi"; sid:5;)',
    ].join('\n'),
  );
  assert.equal(report.loaded, 5, JSON.stringify(report.failures));
  const body = Buffer.concat([Buffer.from('data'), Buffer.from([0xff, 0xfe]), Buffer.from('q')]);
  assert.deepEqual(sids(engine.matchRequest(tx({ method: 'POST', uri: '/ADMIN?id=123', reqBody: body, reqHeaders: [['Host', 'bad.ru']] }))), [1, 2, 3, 4, 5]);
  assert.deepEqual(sids(engine.matchRequest(tx({ uri: '/x?id=1234&evil', reqHeaders: [['Host', 'ok.com']] }))), []);
});

test('byte_test, byte_jump, byte_extract, isdataat, dsize on stream data', () => {
  const { engine, report } = loadRulesText(
    [
      'alert tcp any any -> any any (content:"HDR"; byte_test:2,>,100,0,relative; sid:1;)',
      'alert tcp any any -> any any (content:"HDR"; byte_jump:2,0,relative; content:"END"; within:3; sid:2;)',
      'alert tcp any any -> any any (content:"HDR"; byte_extract:2,0,len,relative; isdataat:len,relative; sid:3;)',
      'alert tcp any any -> any any (content:"HDR"; byte_test:3,=,123,2,relative,string,dec; sid:4;)',
      'alert tcp any any -> any any (content:"HDR"; dsize:<10; sid:5;)',
      'alert tcp any any -> any any (content:"HDR"; isdataat:!500,relative; sid:6;)',
    ].join('\n'),
  );
  assert.equal(report.loaded, 6, JSON.stringify(report.failures));
  // HDR, 0x0005 (len 5), 5 bytes "123xx", END
  const data = Buffer.concat([Buffer.from('HDR'), Buffer.from([0, 5]), Buffer.from('123xxEND')]);
  assert.deepEqual(sids(engine.matchStream(chunk(data))), [2, 3, 4, 6]);
  const big = Buffer.concat([Buffer.from('HDR'), Buffer.from([1, 0])]);
  assert.deepEqual(sids(engine.matchStream(chunk(big))), [1, 5, 6]);
});

test('stream rules: direction and ports; http-only raw rules need app_proto http', () => {
  const { engine } = loadRulesText(
    [
      'alert tcp any any -> any 6667 (msg:"irc"; flow:to_server; content:"NICK "; depth:5; sid:1;)',
      'alert tcp any 6667 -> any any (msg:"irc resp"; flow:to_client; content:"001 "; sid:2;)',
      'alert http any any -> any any (msg:"raw on http"; content:"something"; sid:3;)',
    ].join('\n'),
  );
  const f = (id: string) => flow('10.0.0.1:5555', '1.2.3.4:6667', id);
  assert.deepEqual(sids(engine.matchStream(chunk('NICK bob\r\n', 'to_server', f('a')))), [1]);
  assert.deepEqual(sids(engine.matchStream(chunk('NICK bob\r\n', 'to_client', f('b')))), []);
  assert.deepEqual(sids(engine.matchStream(chunk(':srv 001 bob\r\n', 'to_client', f('c')))), [2]);
  const f80 = (id: string) => flow('10.0.0.1:5555', '1.2.3.4:80', id);
  assert.deepEqual(sids(engine.matchStream(chunk('NICK bob', 'to_server', f80('d')))), []);
  assert.deepEqual(sids(engine.matchStream(chunk('GET /something', 'to_server', f80('e')))), []);
  assert.deepEqual(sids(engine.matchStream(chunk('GET /something', 'to_server', f80('f')), { appProto: 'http' })), [3]);
});

test('stream rules see patterns split across chunks once; anchored rules see one chunk', () => {
  const { engine } = loadRulesText(
    [
      'alert tcp any any -> any any (msg:"split"; content:"d2d3"; sid:1;)',
      'alert tcp any any -> any any (msg:"anchored"; content:"d3"; depth:2; sid:2;)',
    ].join('\n'),
  );
  const f = flow('10.0.0.1:5555', '1.2.3.4:9999', 'split');
  assert.deepEqual(sids(engine.matchStream({ ...chunk('xxd2', 'to_server', f), offset: 0 })), []);
  assert.deepEqual(sids(engine.matchStream({ ...chunk('d3yy', 'to_server', f), offset: 4 })), [1, 2]);
  // The old match is in the kept tail only: no second alert.
  assert.deepEqual(sids(engine.matchStream({ ...chunk('zz', 'to_server', f), offset: 8 })), []);
  // A gap drops the tail.
  engine.matchStream({ ...chunk('..d2', 'to_server', f), offset: 10 });
  assert.deepEqual(sids(engine.matchStream({ ...chunk('d3..', 'to_server', f), offset: 20, gapBefore: true })), [2]);
});

test('flowbits carry state from request to response within a flow', () => {
  const { engine } = loadRulesText(
    [
      'alert http any any -> any any (msg:"set"; flow:to_server; http.uri; content:"/login"; flowbits:set,seen.login; flowbits:noalert; sid:1;)',
      'alert http any any -> any any (msg:"check"; flow:to_client; flowbits:isset,seen.login; http.stat_code; content:"200"; sid:2;)',
      'alert http any any -> any any (msg:"not"; flow:to_client; flowbits:isnotset,seen.login; http.stat_code; content:"200"; sid:3;)',
    ].join('\n'),
  );
  const f1 = flow(undefined, undefined, 'A');
  const t = tx({ uri: '/login', status: 200, flow: f1 });
  assert.deepEqual(sids(engine.matchRequest(t)), []); // noalert
  assert.deepEqual(sids(engine.matchResponse(t)), [2]);
  const f2 = flow(undefined, undefined, 'B');
  const t2 = tx({ uri: '/other', status: 200, flow: f2 });
  engine.matchRequest(t2);
  assert.deepEqual(sids(engine.matchResponse(t2)), [3]);
  engine.endFlow(f1);
  assert.deepEqual(sids(engine.matchResponse(t)), [3]);
});

test('threshold limit and detection_filter', () => {
  const { engine } = loadRulesText(
    [
      'alert http any any -> any any (http.uri; content:"/t"; threshold:type limit, track by_src, count 2, seconds 60; sid:1;)',
      'alert http any any -> any any (http.uri; content:"/t"; detection_filter:track by_src, count 2, seconds 60; sid:2;)',
    ].join('\n'),
  );
  const counts = [0, 0];
  for (let i = 0; i < 5; i++) {
    for (const m of engine.matchRequest(tx({ uri: '/t' }))) counts[m.id - 1]++;
  }
  assert.deepEqual(counts, [2, 3]);
});

test('per-flow HOME_NET binding, run-time disable, category selection', () => {
  const { engine } = loadRulesText(
    [
      'alert http $HOME_NET any -> $EXTERNAL_NET any (msg:"ET MALWARE out"; flow:to_server; http.uri; content:"/beacon"; sid:1;)',
      'alert http $EXTERNAL_NET any -> $HOME_NET any (msg:"ET EXPLOIT in"; flow:to_server; http.uri; content:"/beacon"; classtype:attempted-admin; sid:2;)',
    ].join('\n'),
  );
  const f = flow('203.0.113.5:4000', '198.51.100.7:80');
  const t = tx({ uri: '/beacon', flow: f });
  assert.deepEqual(sids(engine.matchRequest(t)), []); // neither side is in the RFC 1918 HOME_NET
  assert.deepEqual(sids(engine.matchRequest(t, { addressVars: { HOME_NET: '198.51.100.7' } })), [2]);
  assert.deepEqual(sids(engine.matchRequest(t, { addressVars: { HOME_NET: '203.0.113.5' } })), [1]);
  engine.setDisabled([1]);
  assert.deepEqual(sids(engine.matchRequest(t, { addressVars: { HOME_NET: '203.0.113.5' } })), []);
  engine.setDisabled([1], false);
  assert.equal(engine.select({ categories: ['ET EXPLOIT'] }), 1);
  assert.deepEqual(sids(engine.matchRequest(t, { addressVars: { HOME_NET: '203.0.113.5' } })), []);
  assert.deepEqual(sids(engine.matchRequest(t, { addressVars: { HOME_NET: '198.51.100.7' } })), [2]);
  assert.equal(engine.select({ classtypes: ['attempted-admin'] }), 1);
  // The sensor's binding from the flow: this host is the server here, so "inbound" rule 2 applies.
  const local = { ...f, localRole: 'server' as const };
  assert.deepEqual(hostAddressVars(local), { HOME_NET: '198.51.100.7', EXTERNAL_NET: '203.0.113.5' });
  assert.deepEqual(sids(engine.matchRequest(tx({ uri: '/beacon', flow: local }), { addressVars: hostAddressVars(local) })), [2]);
  assert.equal(engine.select({}), 2);
  // Disabling and selecting do not undo each other.
  engine.setDisabled([2]);
  engine.select({ categories: ['EXPLOIT'] });
  assert.deepEqual(sids(engine.matchRequest(t, { addressVars: { HOME_NET: '198.51.100.7' } })), []);
  engine.select({});
  assert.deepEqual(sids(engine.matchRequest(t, { addressVars: { HOME_NET: '198.51.100.7' } })), []);
  engine.setDisabled([2], false);
  assert.deepEqual(sids(engine.matchRequest(t, { addressVars: { HOME_NET: '198.51.100.7' } })), [2]);
});

test('transforms, base64, absent, bsize, urilen, multi-buffers', () => {
  const { engine, report } = loadRulesText(
    [
      'alert http any any -> any any (http.request_body; url_decode; content:"a b/c"; sid:1;)',
      'alert http any any -> any any (http.cookie; content:"s="; base64_decode:relative; base64_data; content:"admin"; sid:2;)',
      'alert http any any -> any any (http.request_body; absent; http.method; content:"GET"; sid:3;)',
      'alert http any any -> any any (http.host; bsize:<12; content:"x"; sid:4;)',
      'alert http any any -> any any (urilen:>5; http.uri; content:"/"; sid:5;)',
      'alert http any any -> any any (http.request_header; content:"X-Key: "; startswith; pcre:"/^[a-f0-9]{4}$/R"; sid:6;)',
      'alert http any any -> any any (http.host; dotprefix; content:".x.com"; endswith; sid:7;)',
      'alert http any any -> any any (http.uri; content:"/?d="; from_base64: offset 4; content:"hello"; sid:8;)',
    ].join('\n'),
  );
  assert.equal(report.loaded, 8, JSON.stringify(report.failures));
  const cookie = 's=' + Buffer.from('admin:1').toString('base64');
  assert.deepEqual(sids(engine.matchRequest(tx({ method: 'POST', uri: '/', reqBody: 'q=a+b%2fc', reqHeaders: [['Host', 'x.com'], ['Cookie', cookie]] }))), [1, 2, 4, 7]);
  assert.deepEqual(
    sids(engine.matchRequest(tx({ uri: '/?d=' + Buffer.from('hello').toString('base64'), reqHeaders: [['Host', 'www.x.com'], ['X-Key', 'beef']] }))),
    [3, 4, 5, 6, 7, 8],
  );
});

test('malformed input never throws: empty buffers, huge offsets, binary bodies', () => {
  const { engine } = loadRulesText(
    [
      'alert http any any -> any any (file.data; content:"A"; byte_jump:4,0,relative; content:"B"; within:2; sid:1;)',
      'alert tcp any any -> any any (content:"|ff|"; byte_test:8,>,1,100000,relative; sid:2;)',
    ].join('\n'),
  );
  const body = Buffer.from([0x41, 0xff, 0xff, 0xff, 0xff, 0x42]);
  assert.deepEqual(engine.matchResponse(tx({ status: 200, respBody: body })), []);
  assert.deepEqual(engine.matchStream(chunk(Buffer.from([0xff]))), []);
  assert.deepEqual(engine.matchStream(chunk(Buffer.alloc(0))), []);
});

test('buffers as Suricata builds them: http.uri decoded and normalised, http.header without cookies, header names', () => {
  const { engine } = loadRulesText(
    [
      'alert http any any -> any any (http.uri; content:"/a/c.php?q=A"; startswith; endswith; sid:1;)',
      'alert http any any -> any any (http.uri.raw; content:"/a/b/../%63.php"; startswith; sid:2;)',
      'alert http any any -> any any (http.header; content:"Cookie"; sid:3;)',
      'alert http any any -> any any (http.cookie; content:"sid=1"; bsize:5; sid:4;)',
      'alert http any any -> any any (http.header_names; content:"|0d 0a|Host|0d 0a|Cookie|0d 0a 0d 0a|"; startswith; endswith; sid:5;)',
      'alert http any any -> any any (http.header; content:"Host: x.com|0d 0a|"; startswith; endswith; sid:6;)',
      'alert http any any -> any any (http.host; content:"x.com"; bsize:5; http.host.raw; content:"X.COM:8080"; sid:7;)',
      'alert http any any -> any any (http.start; content:"GET /a/b/../%63.php?q=%41 HTTP/1.1|0d 0a|Host"; startswith; sid:8;)',
    ].join('\n'),
  );
  const t = tx({ uri: '/a/b/../%63.php?q=%41', reqHeaders: [['Host', 'X.COM:8080'], ['Cookie', 'sid=1']] });
  assert.deepEqual(sids(engine.matchRequest(t)), [1, 2, 4, 5, 7, 8]);
  const t2 = tx({ uri: '/', reqHeaders: [['Host', 'x.com']] });
  assert.deepEqual(sids(engine.matchRequest(t2)), [6]);
});

test('stream_size counts each side in sequence space (data + SYN)', () => {
  const { engine } = loadRulesText('alert tcp any any -> any any (msg:"first request before any server data"; flow:to_server; stream_size:server,<,5; content:"HELLO"; sid:1;)');
  const f = { ...flow('10.0.0.1:5555', '1.2.3.4:9000', 'ss'), bytesToServer: 5, bytesToClient: 0 };
  assert.deepEqual(sids(engine.matchStream(chunk('HELLO', 'to_server', f))), [1]);
  const g = { ...flow('10.0.0.1:5555', '1.2.3.4:9000', 'ss2'), bytesToServer: 5, bytesToClient: 4 };
  assert.deepEqual(sids(engine.matchStream(chunk('HELLO', 'to_server', g))), []);
});

test('xbits carry state per host across flows, and expire', () => {
  const { engine, report } = loadRulesText(
    [
      'alert http any any -> any any (msg:"probe"; flow:to_server; http.uri; content:"/probe"; xbits:set,ET.probe,track ip_src,expire 30; noalert; sid:1;)',
      'alert http any any -> any any (msg:"follow-up"; flow:to_server; http.uri; content:"/exploit"; xbits:isset,ET.probe,track ip_src; sid:2;)',
    ].join('\n'),
  );
  assert.equal(report.loaded, 2, JSON.stringify(report.failures));
  const a1 = flow('203.0.113.5:4000', '192.168.1.10:80', 'x1');
  const a2 = flow('203.0.113.5:4001', '192.168.1.10:80', 'x2');
  const b = flow('203.0.113.6:4001', '192.168.1.10:80', 'x3');
  assert.deepEqual(sids(engine.matchRequest(tx({ uri: '/exploit', flow: a2 }))), []);
  assert.deepEqual(sids(engine.matchRequest(tx({ uri: '/probe', flow: a1 }))), []);
  assert.deepEqual(sids(engine.matchRequest(tx({ uri: '/exploit', flow: a2 }))), [2]); // another flow, same source
  assert.deepEqual(sids(engine.matchRequest(tx({ uri: '/exploit', flow: b }))), []); // another source
  assert.deepEqual(sids(engine.matchRequest(tx({ uri: '/exploit', flow: a2 }), { nowMs: 1000 + 31_000 })), []); // expired
});

test('flowint counts per flow and compares', () => {
  const { engine, report } = loadRulesText(
    [
      'alert http any any -> any any (msg:"count"; flow:to_server; http.uri; content:".dll"; flowint:dlls,+,1; noalert; sid:1;)',
      'alert http any any -> any any (msg:"many"; flow:to_server; http.uri; content:".dll"; flowint:dlls,>=,3; sid:2;)',
      'alert http any any -> any any (msg:"unset"; flow:to_server; http.uri; content:"/x"; flowint:dlls,notset; sid:3;)',
    ].join('\n'),
  );
  assert.equal(report.loaded, 3, JSON.stringify(report.failures));
  const f = flow(undefined, undefined, 'fi');
  assert.deepEqual(sids(engine.matchRequest(tx({ uri: '/x', flow: f }))), [3]);
  const got: number[][] = [];
  for (let i = 0; i < 4; i++) got.push(sids(engine.matchRequest(tx({ uri: '/a.dll', flow: f }))));
  // Rule 1 (a setter) runs before rule 2 (a tester): the third download reaches 3.
  assert.deepEqual(got, [[], [], [2], [2]]);
  assert.deepEqual(sids(engine.matchRequest(tx({ uri: '/x', flow: f }))), []);
});

test('repeated headers are folded as libhtp does (one entry, values joined by ", ")', () => {
  const { engine } = loadRulesText(
    [
      'alert http any any -> any any (http.header; content:"X-A: 1, 2|0d 0a|"; sid:1;)',
      'alert http any any -> any any (http.header_names; content:"|0d 0a|Host|0d 0a|X-A|0d 0a 0d 0a|"; startswith; endswith; sid:2;)',
      'alert http any any -> any any (http.user_agent; content:"a, b"; bsize:4; sid:3;)',
    ].join('\n'),
  );
  const t = tx({ uri: '/', reqHeaders: [['Host', 'h'], ['X-A', '1'], ['User-Agent', 'a'], ['x-a', '2'], ['User-Agent', 'b']] });
  assert.deepEqual(sids(engine.matchRequest(t)), [1, 3]);
  const t2 = tx({ uri: '/', reqHeaders: [['Host', 'h'], ['X-A', '1'], ['x-a', '2']] });
  assert.deepEqual(sids(engine.matchRequest(t2)), [1, 2]);
});
