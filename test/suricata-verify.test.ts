// Conformance: every suricata-verify HTTP case (../shared/data/suricata-verify-http) replayed with
// its rules; its test.yaml alert checks must hold. Prints
// "suricata-verify-http: N passed, M failed (K skipped: reasons)" and lists failures and skips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findCases, runCase } from './suricata-verify-runner';

test('suricata-verify-http conformance >= 90% of all cases', () => {
  const cases = findCases();
  assert.ok(cases.length >= 399, `found ${cases.length} cases`);
  const results = cases.map(runCase);
  const passed = results.filter((r) => r.status === 'pass');
  const failed = results.filter((r) => r.status === 'fail');
  const skipped = results.filter((r) => r.status === 'skip');
  const reasons = new Map<string, number>();
  for (const s of skipped) reasons.set(s.reason!, (reasons.get(s.reason!) ?? 0) + 1);
  for (const f of failed) console.log(`FAIL ${f.name}: ${f.reason!.slice(0, 200)}`);
  for (const s of skipped) console.log(`SKIP ${s.name}: ${s.reason}`);
  const reasonText = [...reasons.entries()].map(([r, n]) => `${n} ${r}`).join('; ');
  console.log(`suricata-verify-http: ${passed.length} passed, ${failed.length} failed (${skipped.length} skipped: ${reasonText})`);
  console.log(`suricata-verify-http: ${((100 * passed.length) / cases.length).toFixed(1)}% of all ${cases.length} cases pass`);
  assert.ok(passed.length / cases.length >= 0.9, `${passed.length}/${cases.length} passed`);
});
