// Every pcap of the suricata-verify HTTP corpus through the full ET Open set: replay never throws,
// no rule's verification fails with an error, and the well-known test traffic raises its alerts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { loadRules } from '../src/detect/suricata';
import { replayWithEngine } from '../src/detect/suricata/replay';

const DATA = path.resolve(__dirname, '../../shared/data');

function pcaps(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) pcaps(p, out);
    else if (e.name.endsWith('.pcap')) out.push(p);
  }
  return out.sort();
}

test('ET Open over the suricata-verify pcaps: no errors, expected alerts', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'et-corpus-'));
  try {
    execFileSync('tar', ['xzf', path.join(DATA, 'et-open/emerging-all.rules.tar.gz'), '-C', dir]);
    process.env.PROCTAP_HS_CACHE = path.join(dir, 'hs-cache');
    const { engine } = loadRules([path.join(dir, 'emerging-all.rules')]);
    const files = pcaps(path.join(DATA, 'suricata-verify-http'));
    assert.ok(files.length > 300);
    const bySid = new Map<number, number>();
    let replayErrors = 0;
    let transactions = 0;
    for (const f of files) {
      try {
        const s = replayWithEngine(f, engine, (a) => bySid.set(a.match.id, (bySid.get(a.match.id) ?? 0) + 1));
        transactions += s.transactions;
      } catch (e) {
        // Only pcap-level problems (unsupported link types) may stop a file; note them.
        replayErrors++;
        assert.match((e as Error).message, /link type|pcap/i, `${f}: ${(e as Error).message}`);
      }
    }
    const c = engine.counters();
    console.log(`et-replay-corpus: ${files.length} pcaps, ${transactions} HTTP transactions, ${[...bySid.values()].reduce((a, b) => a + b, 0)} alerts from ${bySid.size} sids, ${replayErrors} unreadable pcaps, ${c.errors} verification errors`);
    assert.equal(c.errors, 0, engine.lastError);
    assert.ok(transactions > 300);
    // testmyids.com: curl User-Agent outbound and "uid=0(root)" in the response.
    assert.ok(bySid.get(2013028), 'ET POLICY curl User-Agent Outbound');
    assert.ok(bySid.get(2100498), 'GPL ATTACK_RESPONSE id check returned root');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
