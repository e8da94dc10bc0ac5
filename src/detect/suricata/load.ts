// Loading rule files: every rule line is parsed, and every rule that does not load is counted by
// reason and listed with file:line — never dropped silently. Returns the engine and the report.
import * as fs from 'fs';
import * as path from 'path';
import { defaultClassTable, loadClassificationFile, type ClassTable } from './classification';
import { SuricataEngine } from './engine';
import { RuleLoadError } from './errors';
import { parseRule, type ParseContext } from './parser';
import { RULE_START, statements } from './rule-text';
import { validatePcres } from './pcre-worker';
import { PcreVerdicts } from './pcre-compile';
import { Worker } from 'worker_threads';

const HTTP_TCP = new Set(['http', 'http1', 'tcp', 'tcp-pkt', 'tcp-stream']);
import type { PrefilterEngine } from './prefilter';
import type { Rule } from './types';
import { AddressEnv, DEFAULT_ADDRESS_VARS, DEFAULT_PORT_VARS, splitVariables } from './vars';

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
  /** Where pcre were checked with RE2: while parsing, in a worker thread, or after parsing (worker unavailable). */
  pcreCheck: 'parse' | 'worker' | 'after-parse';
}

interface Parsed {
  rules: Rule[];
  failures: LoadFailure[];
  report: LoadReport;
  addressEnv: AddressEnv;
  classes: ClassTable;
}

function normalize(sources: Array<RuleSource | string>): RuleSource[] {
  return sources.map((s) => (typeof s === 'string' ? { file: s } : s));
}

/** Runs f with stack traces off: thousands of rules may fail (other protocols), cheaply. */
function withoutStacks<T>(f: () => T): T {
  const stackLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return f();
  } finally {
    Error.stackTraceLimit = stackLimit;
  }
}

function parseSources(srcs: RuleSource[], opts: LoadOptions, deferPcre: boolean): Parsed {
  const addressEnv = new AddressEnv({ ...DEFAULT_ADDRESS_VARS, ...(opts.addressVars ?? {}) });
  const portVars = { ...DEFAULT_PORT_VARS, ...(opts.portVars ?? {}) };
  let classes: ClassTable = defaultClassTable();
  const clsFile = opts.classificationFile ?? (srcs[0] && srcs[0].text === undefined ? path.join(path.dirname(srcs[0].file), 'classification.config') : undefined);
  if (clsFile && fs.existsSync(clsFile)) classes = loadClassificationFile(clsFile, classes);
  // RE2 verdicts from earlier loads (rule files only; small text sets compile in no time).
  const pcreVerdicts = !deferPcre && srcs.some((x) => x.text === undefined) ? new PcreVerdicts() : undefined;
  const ctx: ParseContext = { addressEnv, portVars, classes, deferPcre, pcreVerdicts };
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
    pcreCheck: deferPcre ? 'worker' : 'parse',
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
  pcreVerdicts?.save();
  return { rules, failures, report, addressEnv, classes };
}

function finishReport(p: Parsed, engine: SuricataEngine, t0: bigint): LoadReport {
  const { report, rules, failures } = p;
  const fileOrder = new Map(report.files.map((f, i) => [f, i]));
  failures.sort((a, b) => (fileOrder.get(a.file) ?? 0) - (fileOrder.get(b.file) ?? 0) || a.line - b.line);
  report.loaded = rules.length;
  report.notLoaded = failures.length;
  report.httpTcpLoaded = rules.filter((r) => HTTP_TCP.has(r.proto)).length;
  const counts = new Map<string, number>();
  for (const f of failures) counts.set(f.reason, (counts.get(f.reason) ?? 0) + 1);
  report.reasons = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([reason, count]) => ({ reason, count }));
  report.prefilter = engine.prefilter;
  report.groups = engine.groupCount();
  report.loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return report;
}

/** Loads rule files synchronously (RE2 and Hyperscan compile on this thread). */
export function loadRules(sources: Array<RuleSource | string>, opts: LoadOptions = {}): { engine: SuricataEngine; report: LoadReport } {
  const t0 = process.hrtime.bigint();
  const p = withoutStacks(() => parseSources(normalize(sources), opts, false));
  const engine = new SuricataEngine(p.rules, p.addressEnv, p.classes, { prefilter: opts.prefilter });
  return { engine, report: finishReport(p, engine, t0) };
}

/**
 * Like loadRules (RE2 checks on this thread, with the verdict cache), but the Hyperscan databases
 * compile on libuv threads: parsing is done when this returns, so the caller can use this thread
 * for other work (the agent loads CRS) while the databases compile. Same rules and report.
 */
export function loadRulesConcurrent(sources: Array<RuleSource | string>, opts: LoadOptions = {}): Promise<{ engine: SuricataEngine; report: LoadReport }> {
  const t0 = process.hrtime.bigint();
  const p = withoutStacks(() => parseSources(normalize(sources), opts, false));
  return SuricataEngine.create(p.rules, p.addressEnv, p.classes, { prefilter: opts.prefilter }).then((engine) => ({ engine, report: finishReport(p, engine, t0) }));
}

/**
 * Loads rule files using the other cores: a worker thread compiles every pcre with RE2 while this
 * thread parses (rules then compile their pcre on first use), and Hyperscan databases compile on
 * libuv threads. Same rules and report as loadRules.
 */
export async function loadRulesAsync(sources: Array<RuleSource | string>, opts: LoadOptions = {}): Promise<{ engine: SuricataEngine; report: LoadReport }> {
  const t0 = process.hrtime.bigint();
  const srcs = normalize(sources);
  const validation = validatePcresOffThread(srcs);
  const p = withoutStacks(() => parseSources(srcs, opts, true));
  const { failed, where } = await validation;
  p.report.pcreCheck = where;
  if (failed.size) {
    const keep: Rule[] = [];
    for (const r of p.rules) {
      const bad = r.pcreKeys.find((k) => failed.has(k));
      if (bad === undefined) keep.push(r);
      else p.failures.push({ file: r.file, line: r.line, sid: r.sid, proto: r.proto, reason: 'pcre that RE2 cannot compile', message: failed.get(bad)! });
    }
    keep.forEach((r, i) => (r.idx = i));
    p.rules = keep;
  }
  const engine = await SuricataEngine.create(p.rules, p.addressEnv, p.classes, { prefilter: opts.prefilter });
  return { engine, report: finishReport(p, engine, t0) };
}

/** RE2 verdicts (key -> error) for every pcre of the sources, from a worker thread when possible. */
function validatePcresOffThread(srcs: RuleSource[]): Promise<{ failed: Map<string, string>; where: 'worker' | 'after-parse' }> {
  const inline = (): { failed: Map<string, string>; where: 'after-parse' } => ({ failed: new Map(validatePcres({ sources: srcs })), where: 'after-parse' });
  // Compiled: the worker is pcre-worker.js. From source (tsx): a small CommonJS entry that
  // registers tsx in the worker first, since loader flags do not reach a worker's entry file.
  const worker = path.join(__dirname, 'pcre-worker' + path.extname(__filename));
  let entry = worker;
  let evalEntry = false;
  if (worker.endsWith('.ts')) {
    try {
      entry = `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(worker)});`;
      evalEntry = true;
    } catch {
      return Promise.resolve(inline());
    }
  }
  return new Promise((resolve) => {
    let done = false;
    const finish = (m: { failed: Map<string, string>; where: 'worker' | 'after-parse' }): void => {
      if (!done) {
        done = true;
        resolve(m);
      }
    };
    let w: Worker;
    try {
      w = new Worker(entry, { eval: evalEntry, workerData: { proctapPcreValidation: true, sources: srcs } });
    } catch {
      finish(inline());
      return;
    }
    w.once('message', (m: { failed: Array<[string, string]> }) => finish({ failed: new Map(m.failed), where: 'worker' }));
    w.once('error', () => finish(inline()));
    w.once('exit', () => finish(inline()));
  });
}

/**
 * The rules directory a sensor is configured with (`rules.et.dir`, `rules.et.vars`): every .rules
 * file in it (sorted), with its classification.config if present, variables split into address
 * and port variables.
 */
export function loadRulesDir(dir: string, vars: Readonly<Record<string, string>> = {}, opts: Omit<LoadOptions, 'addressVars' | 'portVars'> = {}): { engine: SuricataEngine; report: LoadReport } {
  const files = fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.rules'))
    .sort()
    .map((n) => path.join(dir, n));
  if (!files.length) throw new Error(`${dir}: no .rules files`);
  return loadRules(files, { ...splitVariables(vars), ...opts });
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
