// Loading rule files: every rule line is parsed, and every rule that does not load is counted by
// reason and listed with file:line — never dropped silently. Returns the engine and the report.
import * as fs from 'fs';
import * as path from 'path';
import { defaultClassTable, loadClassificationFile, type ClassTable } from './classification';
import { SuricataEngine } from './engine';
import { RuleLoadError } from './errors';
import { parseRule, type ParseContext } from './parser';
import type { PrefilterEngine } from './prefilter';
import type { Rule } from './types';
import { AddressEnv, DEFAULT_ADDRESS_VARS, DEFAULT_PORT_VARS } from './vars';

export interface LoadOptions {
  /** Address variables over Suricata's defaults (HOME_NET, EXTERNAL_NET, HTTP_SERVERS ...). */
  addressVars?: Readonly<Record<string, string>>;
  /** Port variables over Suricata's defaults (HTTP_PORTS ...). */
  portVars?: Readonly<Record<string, string>>;
  /** A classification.config; when absent one beside the first rule file is used if present. */
  classificationFile?: string;
  prefilter?: PrefilterEngine;
}

export interface RuleSource {
  file: string;
  /** Rule text; read from `file` when omitted. */
  text?: string;
}

export interface LoadFailure {
  file: string;
  line: number;
  sid?: number;
  proto: string;
  reason: string;
  message: string;
}

export interface LoadReport {
  files: string[];
  /** Rule lines seen: enabled + commented-out. */
  total: number;
  loaded: number;
  disabledInFile: number;
  notLoaded: number;
  /** Reason -> count, most frequent first. */
  reasons: Array<{ reason: string; count: number }>;
  failures: LoadFailure[];
  /** Enabled rules whose protocol is HTTP or TCP (http, http1, tcp, tcp-pkt, tcp-stream). */
  httpTcpEnabled: number;
  httpTcpLoaded: number;
  loadMs: number;
  prefilter: string;
  groups: number;
}

const RULE_START = /^(alert|drop|reject|rejectsrc|rejectdst|rejectboth|pass)\s/;
// A commented-out rule: '#', an action, and a sid option (checked without backtracking-heavy regexes).
const DISABLED_START = /^#+\s*(alert|drop|reject|rejectsrc|rejectdst|rejectboth|pass)\s+\S+\s/;
const SID_OPT = /[(;]\s*sid\s*:/;
const HTTP_TCP = new Set(['http', 'http1', 'tcp', 'tcp-pkt', 'tcp-stream']);

/**
 * Yields complete rule statements with the line they start on (joins `\` continuations). Lines
 * are decoded one by one from the file's bytes, so a kept rule text never pins the whole file.
 */
function* statements(data: Buffer | string): Generator<{ line: number; text: string; disabled: boolean }> {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let pos = 0;
  let lineNo = 0;
  const nextLine = (): string | undefined => {
    if (pos >= buf.length) return undefined;
    let end = buf.indexOf(10, pos);
    if (end < 0) end = buf.length;
    const s = buf.toString('utf8', pos, end > pos && buf[end - 1] === 13 ? end - 1 : end);
    pos = end + 1;
    lineNo++;
    return s;
  };
  for (;;) {
    const raw = nextLine();
    if (raw === undefined) return;
    let t = raw.trim();
    const start = lineNo;
    while (t.endsWith('\\')) {
      const more = nextLine();
      if (more === undefined) break;
      t = t.slice(0, -1) + more.trim();
    }
    if (!t) continue;
    if (t.charCodeAt(0) === 35) {
      if (DISABLED_START.test(t) && t.includes('(') && SID_OPT.test(t)) yield { line: start, text: t, disabled: true };
      continue;
    }
    yield { line: start, text: t, disabled: false };
  }
}

export function loadRules(sources: Array<RuleSource | string>, opts: LoadOptions = {}): { engine: SuricataEngine; report: LoadReport } {
  const t0 = process.hrtime.bigint();
  // Thousands of rules may fail (other protocols): their errors need no stack traces.
  const stackLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return loadRulesInner(sources, opts, t0);
  } finally {
    Error.stackTraceLimit = stackLimit;
  }
}

function loadRulesInner(sources: Array<RuleSource | string>, opts: LoadOptions, t0: bigint): { engine: SuricataEngine; report: LoadReport } {
  const srcs = sources.map((s) => (typeof s === 'string' ? { file: s } : s));
  const addressEnv = new AddressEnv({ ...DEFAULT_ADDRESS_VARS, ...(opts.addressVars ?? {}) });
  const portVars = { ...DEFAULT_PORT_VARS, ...(opts.portVars ?? {}) };
  let classes: ClassTable = defaultClassTable();
  const clsFile = opts.classificationFile ?? (srcs[0] && srcs[0].text === undefined ? path.join(path.dirname(srcs[0].file), 'classification.config') : undefined);
  if (clsFile && fs.existsSync(clsFile)) classes = loadClassificationFile(clsFile, classes);
  const ctx: ParseContext = { addressEnv, portVars, classes };
  const rules: Rule[] = [];
  const bySid = new Map<string, Rule>();
  const failures: LoadFailure[] = [];
  const report: LoadReport = {
    files: srcs.map((s) => s.file),
    total: 0,
    loaded: 0,
    disabledInFile: 0,
    notLoaded: 0,
    reasons: [],
    failures,
    httpTcpEnabled: 0,
    httpTcpLoaded: 0,
    loadMs: 0,
    prefilter: '',
    groups: 0,
  };
  for (const src of srcs) {
    const text = src.text ?? fs.readFileSync(src.file);
    for (const st of statements(text)) {
      if (st.disabled) {
        report.total++;
        report.disabledInFile++;
        continue;
      }
      const proto = st.text.split(/\s+/, 3)[1] ?? '';
      if (!RULE_START.test(st.text)) {
        failures.push({ file: src.file, line: st.line, proto, reason: 'syntax error', message: `not a rule: ${st.text.slice(0, 60)}` });
        report.total++;
        continue;
      }
      report.total++;
      const httpTcp = HTTP_TCP.has(proto);
      if (httpTcp) report.httpTcpEnabled++;
      const sidM = /[(;]\s*sid\s*:\s*(\d+)/.exec(st.text);
      try {
        const r = parseRule(st.text, src.file, st.line, rules.length, ctx);
        const key = `${r.gid}:${r.sid}`;
        const prev = bySid.get(key);
        if (prev) {
          // Suricata keeps one rule per gid:sid: the higher rev.
          const keepNew = r.rev > prev.rev;
          const dropped = keepNew ? prev : r;
          failures.push({ file: dropped.file, line: dropped.line, sid: dropped.sid, proto, reason: 'duplicate sid', message: `duplicate sid ${key} (also ${keepNew ? r.file : prev.file}:${keepNew ? r.line : prev.line})` });
          if (keepNew) {
            rules[prev.idx] = { ...r, idx: prev.idx };
            bySid.set(key, rules[prev.idx]);
          }
          continue;
        }
        rules.push(r);
        bySid.set(key, r);
      } catch (e) {
        if (!(e instanceof RuleLoadError)) throw e;
        failures.push({ file: src.file, line: st.line, sid: sidM ? Number(sidM[1]) : undefined, proto, reason: e.reason, message: e.message });
      }
    }
  }
  report.loaded = rules.length;
  report.notLoaded = failures.length;
  report.httpTcpLoaded = rules.filter((r) => HTTP_TCP.has(r.proto)).length;
  const counts = new Map<string, number>();
  for (const f of failures) counts.set(f.reason, (counts.get(f.reason) ?? 0) + 1);
  report.reasons = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([reason, count]) => ({ reason, count }));
  const engine = new SuricataEngine(rules, addressEnv, classes, { prefilter: opts.prefilter });
  report.prefilter = engine.prefilter;
  report.groups = engine.groupCount();
  report.loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return { engine, report };
}

/** A loaded set from rule text (tests, single rules). */
export function loadRulesText(text: string, opts: LoadOptions = {}, file = '<text>'): { engine: SuricataEngine; report: LoadReport } {
  return loadRules([{ file, text }], opts);
}

/** Human-readable report: counts, then reasons, then the first failures of each reason with file:line. */
export function formatReport(r: LoadReport, examplesPerReason = 3): string {
  const pct = r.httpTcpEnabled ? ((100 * r.httpTcpLoaded) / r.httpTcpEnabled).toFixed(2) : '100.00';
  const lines = [
    `rules: ${r.total} in ${r.files.length} file(s): ${r.loaded} loaded, ${r.disabledInFile} disabled in file, ${r.notLoaded} not loaded`,
    `HTTP/TCP rules: ${r.httpTcpLoaded} of ${r.httpTcpEnabled} enabled loaded (${pct}%)`,
    `prefilter: ${r.prefilter}, ${r.groups} groups; load time ${r.loadMs.toFixed(0)} ms`,
  ];
  if (r.reasons.length) lines.push('not loaded, by reason:');
  for (const { reason, count } of r.reasons) {
    lines.push(`  ${String(count).padStart(6)}  ${reason}`);
    for (const f of r.failures.filter((x) => x.reason === reason).slice(0, examplesPerReason)) {
      lines.push(`          ${f.file}:${f.line}${f.sid ? ` sid ${f.sid}` : ''}: ${f.message.slice(0, 160)}`);
    }
  }
  return lines.join('\n');
}
