// Runs suricata-verify cases (../shared/data/suricata-verify-http): each case's rules through the ET
// engine, its pcap through `replayWithEngine`, then its test.yaml alert checks against our EVE
// alerts. Checks on other event types (http, flow, fileinfo, stats) are not ours and not counted.
// A case is skipped, with the reason, when an alert it expects comes from a rule we could not load
// (another protocol, an unsupported keyword) or when it checks EVE fields we do not emit.
import * as fs from 'fs';
import * as path from 'path';
import YAML from 'yaml';
import { loadRules } from '../src/detect/suricata';
import { ENGINE_VERSION } from '../src/detect/suricata/keywords/requires';
import { replayWithEngine } from '../src/detect/suricata/replay';
import type { EveAlertRecord } from '../src/detect/suricata/eve';

export const SV_ROOT = path.resolve(__dirname, '../../shared/data/suricata-verify-http');

// Hundreds of tiny rule sets: no on-disk Hyperscan cache for them.
process.env.PROCTAP_HS_CACHE = '';

export interface CaseResult {
  name: string;
  status: 'pass' | 'fail' | 'skip';
  reason?: string;
  details: string[];
  alerts: EveAlertRecord[];
}

interface Filter {
  count?: number;
  match?: Record<string, unknown>;
  requires?: Record<string, unknown>;
}

export function findCases(root = SV_ROOT): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    if (fs.existsSync(path.join(d, 'test.yaml'))) out.push(d);
    for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(d, e.name));
  };
  walk(root);
  return out.sort();
}

function cmpVersion(v: string): number {
  const p = String(v).split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = ENGINE_VERSION[i] - (p[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

/** Whether a `requires:` block holds for the Suricata version we implement (7.0.x). */
function requiresOk(req: Record<string, unknown> | undefined): boolean {
  if (!req) return true;
  if (req['min-version'] !== undefined && cmpVersion(String(req['min-version'])) < 0) return false;
  if (req['lt-version'] !== undefined && cmpVersion(String(req['lt-version'])) >= 0) return false;
  if (req['gt-version'] !== undefined && cmpVersion(String(req['gt-version'])) <= 0) return false;
  return true;
}

function lookup(rec: unknown, key: string): unknown {
  let cur: unknown = rec;
  for (const k of key.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/** Fields of an alert we emit; a check naming others cannot be judged by us. */
function emittedField(key: string): boolean {
  return (
    /^(event_type|src_ip|src_port|dest_ip|dest_port|proto|app_proto|direction|tx_id)$/.test(key) ||
    /^alert\.(action|gid|signature_id|rev|signature|category|severity)$/.test(key) ||
    /^flow\.(src_ip|dest_ip|src_port|dest_port)$/.test(key) ||
    /^http\.(hostname|url|http_user_agent|http_method|protocol|status)$/.test(key)
  );
}

function isAlertFilter(f: Filter): boolean {
  const m = f.match ?? {};
  if (m.event_type !== undefined) return m.event_type === 'alert';
  return Object.keys(m).some((k) => k.startsWith('alert.'));
}

export function runCase(dir: string): CaseResult {
  const name = path.relative(SV_ROOT, dir);
  const y = YAML.parse(fs.readFileSync(path.join(dir, 'test.yaml'), 'utf8')) as { pcap?: string; checks?: Array<{ filter?: Filter }> };
  const rulesFile = fs.existsSync(path.join(dir, 'test.rules')) ? path.join(dir, 'test.rules') : fs.readdirSync(dir).filter((f) => f.endsWith('.rules')).map((f) => path.join(dir, f))[0];
  const pcap = y.pcap ? path.resolve(dir, y.pcap) : fs.readdirSync(dir).filter((f) => f.endsWith('.pcap')).map((f) => path.join(dir, f))[0];
  const res: CaseResult = { name, status: 'pass', details: [], alerts: [] };
  if (!pcap || !fs.existsSync(pcap)) return { ...res, status: 'skip', reason: 'no pcap' };
  const filters = (y.checks ?? []).map((c) => c.filter).filter((f): f is Filter => !!f && isAlertFilter(f) && requiresOk(f.requires));
  if (!filters.length) return { ...res, status: 'skip', reason: 'no alert checks for Suricata 7' };
  const { engine, report } = rulesFile ? loadRules([rulesFile]) : loadRules([{ file: '<none>', text: '' }]);
  try {
    replayWithEngine(pcap, engine, (a) => res.alerts.push(a.eve));
  } catch (e) {
    return { ...res, status: 'fail', reason: `replay error: ${(e as Error).message}` };
  }
  const failedSids = new Map(report.failures.filter((f) => f.sid !== undefined).map((f) => [f.sid!, f.reason]));
  const skipReasons = new Set<string>();
  for (const f of filters) {
    const m = f.match ?? {};
    const unknown = Object.keys(m).filter((k) => !emittedField(k));
    const sid = m['alert.signature_id'] as number | undefined;
    const expected = f.count ?? 1;
    const got = res.alerts.filter((a) => Object.entries(m).every(([k, v]) => !emittedField(k) || String(lookup(a, k)) === String(v))).length;
    if (got === expected) continue;
    if (sid !== undefined && failedSids.has(sid) && expected > 0) {
      skipReasons.add(failedSids.get(sid)!);
      continue;
    }
    if (sid === undefined && expected > got && report.failures.length) {
      // "N alerts in total": the missing ones come from rules we could not load.
      skipReasons.add([...new Set(report.failures.map((x) => x.reason))].join(', '));
      continue;
    }
    if (unknown.length) {
      skipReasons.add(`checks EVE fields we do not emit (${unknown.slice(0, 3).join(', ')})`);
      continue;
    }
    res.details.push(`${JSON.stringify(m)}: expected ${expected}, got ${got}`);
  }
  if (res.details.length) return { ...res, status: 'fail', reason: res.details.join('; ') };
  if (skipReasons.size) return { ...res, status: 'skip', reason: [...skipReasons].join('; ') };
  return res;
}

if (require.main === module) {
  const targets = process.argv.slice(2);
  const dirs = targets.length ? targets.map((t) => path.resolve(SV_ROOT, t)) : findCases();
  for (const d of dirs) {
    const r = runCase(d);
    console.log(`${r.status.toUpperCase().padEnd(4)} ${r.name}${r.reason ? ': ' + r.reason : ''}`);
    if (targets.length) for (const a of r.alerts) console.log('   ', a.alert.signature_id, a.direction, a.alert.metadata?.proctap_buffer?.[0], JSON.stringify(a.alert.metadata?.proctap_matched?.[0]));
  }
}
