// The agent's concurrent ET load (EtDetector.load: parse, then Hyperscan on libuv threads) gives
// the same rules, report and matches as the synchronous load, and rules keep their text fields
// (msg, references, metadata, content text) although they no longer share the rule's full text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EtDetector } from '../src/detect/et-detector';
import { loadRules, loadRulesConcurrent } from '../src/detect/suricata';
import { tx } from './suricata-helpers';
import type { DetectionContext } from '../src/detect/detector';

const RULES = [
  'alert http any any -> any any (msg:"ET WEB_SERVER long message for the sliced-string check"; flow:established,to_server; http.uri; content:"/Admin/Login.PHP"; nocase; pcre:"/\\/admin\\/login\\.php\\?user=[a-z]{3,}$/Ui"; reference:url,example.com/a-long-reference-text; classtype:web-application-attack; metadata:created_at 2024_01_01, updated_at 2024_02_02; sid:1; rev:1;)',
  'alert http any any -> any any (msg:"ET USER_AGENTS lowercase pattern"; http.user_agent; content:"evil-agent/1.0"; sid:2; rev:2;)',
  'alert http any any -> any any (msg:"backref not in RE2"; content:"a"; pcre:"/(a)\\1/"; sid:3;)',
  'alert udp any any -> any any (msg:"other protocol"; content:"x"; sid:4;)',
].join('\n');

const ctx: DetectionContext = { direction: 'inbound', protocol: 'http' };

test('EtDetector.load (concurrent) = new EtDetector (sync): report, rules, matches; rule fields intact', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'et-concurrent-'));
  try {
    fs.writeFileSync(path.join(dir, 'a.rules'), RULES + '\n');
    const sync = new EtDetector({ paths: [dir] });
    const conc = await EtDetector.load({ paths: [dir] });
    const rs = sync.report();
    const rc = conc.report();
    assert.equal(rc.loaded, 2);
    assert.equal(rc.loaded, rs.loaded);
    assert.equal(rc.failed, rs.failed);
    assert.deepEqual(rc.failedByReason, rs.failedByReason);
    assert.deepEqual(rc.failures.map((f) => [f.line, f.ruleId, f.reason]), rs.failures.map((f) => [f.line, f.ruleId, f.reason]));
    const attack = tx({ uri: '/admin/login.php?user=root', reqHeaders: [['Host', 'example.com'], ['User-Agent', 'evil-agent/1.0']] });
    const benign = tx({ uri: '/admin/login.php?user=1', reqHeaders: [['Host', 'example.com'], ['User-Agent', 'curl/8']] });
    for (const d of [sync, conc]) {
      assert.deepEqual(d.evaluateRequest(attack, ctx).map((m) => m.id).sort(), [1, 2]);
      assert.deepEqual(d.evaluateRequest(benign, ctx).map((m) => m.id), []);
    }
    const r1 = conc.engine!.rules.find((r) => r.sid === 1)!;
    assert.equal(r1.msg, 'ET WEB_SERVER long message for the sliced-string check');
    assert.equal(r1.category, 'WEB_SERVER');
    assert.equal(r1.classtype, 'web-application-attack');
    assert.deepEqual(r1.references, ['url,example.com/a-long-reference-text']);
    assert.deepEqual(r1.metadataText, ['created_at 2024_01_01, updated_at 2024_02_02']);
    const content = r1.lists.flatMap((l) => l.items).find((i) => i.kind === 'content');
    assert.ok(content && content.kind === 'content');
    assert.equal(content.text, '/Admin/Login.PHP');
    assert.equal(content.lower.toString(), '/admin/login.php');
    // A pattern without capitals shares its Buffer with its lowercase form.
    const ua = conc.engine!.rules.find((r) => r.sid === 2)!.lists[0].items[0];
    assert.ok(ua.kind === 'content' && ua.lower === ua.pattern);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('loadRulesConcurrent: parsing is done when it returns; same report as loadRules', async () => {
  const src = [{ file: 'x.rules', text: RULES }];
  const p = loadRulesConcurrent(src);
  const sync = loadRules(src);
  const { report } = await p;
  assert.equal(report.loaded, sync.report.loaded);
  assert.equal(report.notLoaded, sync.report.notLoaded);
  assert.deepEqual(report.reasons, sync.report.reasons);
  assert.equal(report.groups, sync.report.groups);
});
