// The ET (Suricata rule language) engine behind the agent's Detector interface. ET rules are written
// for network sensors ($HOME_NET -> $EXTERNAL_NET); on a host sensor, unless the configuration sets
// the address variables, HOME_NET is this host's end of each flow and EXTERNAL_NET the peer, chosen
// per flow from the direction, so the rules keep their authors' meaning on host traffic (loopback
// and namespaced traffic included).
import * as fs from 'fs';
import * as path from 'path';
import { loadRules, loadRulesConcurrent, type LoadReport, type SuricataEngine } from './suricata';
import type { FlowInfo, StreamChunk } from '../flow/types';
import type { HttpTransaction } from '../protocols/http/types';
import type { DetectionContext, Detector, DetectorSettings, RuleLoadReport } from './detector';
import type { RuleMatch } from './types';
import { ALL } from '../config/categories';

export interface EtDetectorOptions {
  /** A directory of *.rules files (and classification.config), or rule files. */
  paths: string[];
  /** Address and port variables from the configuration (rules.et.vars); port variables apply at load. */
  vars?: Record<string, string>;
}

const MAX_FAILURES = 50;
const CRLF = Buffer.from('\r\n');

/** Rule files under the given paths: a directory gives its *.rules (sorted), a file itself. */
export function etRuleFiles(paths: string[]): { files: string[]; missing: string[] } {
  const files: string[] = [];
  const missing: string[] = [];
  for (const p of paths) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      missing.push(p);
      continue;
    }
    if (st.isDirectory()) {
      for (const n of fs.readdirSync(p).filter((n) => n.endsWith('.rules')).sort()) files.push(path.join(p, n));
    } else files.push(p);
  }
  return { files, missing };
}

function isPortVar(name: string): boolean {
  return /_PORTS?$/.test(name) || name === 'DNP3_PORTS';
}

function portVarsOf(vars: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars ?? {})) if (isPortVar(k)) out[k] = v;
  return out;
}

/** This host's end of the flow as HOME_NET, the peer as EXTERNAL_NET. */
export function hostSideVars(flow: FlowInfo, ctx: DetectionContext): Record<string, string> {
  const local = ctx.direction === 'outbound' ? flow.client : flow.server;
  const peer = ctx.direction === 'outbound' ? flow.server : flow.client;
  return { HOME_NET: local.addr, EXTERNAL_NET: peer.addr };
}

function plain(m: RuleMatch): RuleMatch {
  // EtMatch carries the parsed rule; incidents keep only the common fields.
  return {
    source: 'et',
    id: m.id,
    rev: m.rev,
    msg: m.msg,
    severity: m.severity,
    tags: m.tags,
    classtype: m.classtype,
    target: m.target,
    matched: m.matched,
    points: m.points,
    category: m.category,
  };
}

export class EtDetector implements Detector {
  readonly name = 'et';
  readonly source = 'et' as const;
  readonly engine: SuricataEngine | undefined;
  private readonly loadReport: LoadReport | undefined;
  private readonly paths: string[];
  private readonly missing: string[];
  private addressVars: Record<string, string> = {};
  private perFlowHome = true;
  private disabled: number[] = [];
  private categories: DetectorSettings['categories'] | undefined;
  private selectionKey = '';
  private readonly c = { requests: 0, responses: 0, stream_chunks: 0, skipped_no_category: 0, matches: 0 };

  /**
   * Loads the rules synchronously, or takes what load() prepared (null: there were no rule files).
   */
  constructor(opts: EtDetectorOptions, loaded?: { engine: SuricataEngine; report: LoadReport } | null) {
    this.paths = opts.paths;
    const { files, missing } = etRuleFiles(opts.paths);
    this.missing = missing;
    this.setVars(opts.vars ?? {});
    const got = loaded !== undefined ? loaded : files.length ? loadRules(files, { portVars: portVarsOf(opts.vars) }) : null;
    if (got) {
      this.engine = got.engine;
      this.loadReport = got.report;
    }
  }

  /**
   * Parses the rules on this thread before it returns, then the Hyperscan databases compile on
   * libuv threads while the caller goes on (the agent loads CRS meanwhile).
   */
  static load(opts: EtDetectorOptions): Promise<EtDetector> {
    const { files } = etRuleFiles(opts.paths);
    if (!files.length) return Promise.resolve(new EtDetector(opts, null));
    return loadRulesConcurrent(files, { portVars: portVarsOf(opts.vars) }).then((loaded) => new EtDetector(opts, loaded));
  }

  /** Rules loaded (0 without rule files). */
  get loaded(): number {
    return this.loadReport?.loaded ?? 0;
  }

  private setVars(vars: Record<string, string>): void {
    this.addressVars = {};
    for (const [k, v] of Object.entries(vars)) if (!isPortVar(k)) this.addressVars[k] = v;
    this.perFlowHome = this.addressVars.HOME_NET === undefined;
  }

  private vars(flow: FlowInfo, ctx: DetectionContext): Record<string, string> | undefined {
    if (!this.perFlowHome) return this.addressVars;
    const host = hostSideVars(flow, ctx);
    return Object.keys(this.addressVars).length ? { ...this.addressVars, ...host } : host;
  }

  private wanted(ctx: DetectionContext): boolean {
    if (!this.engine) return false;
    const sel = this.categories?.[ctx.direction]?.[ctx.protocol];
    if (sel && sel.length === 0) {
      this.c.skipped_no_category++;
      return false;
    }
    return true;
  }

  /**
   * Rules with raw content in `alert http` and `alert tcp` rules inspect the TCP payload in Suricata,
   * HTTP flows included: they run here on the message's bytes as they were on the wire (line,
   * headers, body), as one stream chunk starting a payload.
   */
  private streamOf(tx: HttpTransaction, dir: 'to_server' | 'to_client'): StreamChunk | undefined {
    const m = dir === 'to_server' ? tx.request : tx.response;
    if (!m) return undefined;
    return { flow: tx.flow, dir, offset: 0, data: Buffer.concat([m.line, CRLF, m.rawHeaders, m.body]), gapBefore: true, timeMs: m.startMs };
  }

  private http(tx: HttpTransaction, ctx: DetectionContext, dir: 'to_server' | 'to_client'): RuleMatch[] {
    const opts = { addressVars: this.vars(tx.flow, ctx) };
    const e = this.engine!;
    const m = dir === 'to_server' ? e.matchRequest(tx, opts) : e.matchResponse(tx, opts);
    const chunk = this.streamOf(tx, dir);
    const raw = chunk ? e.matchStream(chunk, { ...opts, appProto: 'http' }) : [];
    const out = [...m, ...raw].map(plain);
    this.c.matches += out.length;
    return out;
  }

  evaluateRequest(tx: HttpTransaction, ctx: DetectionContext): RuleMatch[] {
    if (!this.wanted(ctx) || !tx.request) return [];
    this.c.requests++;
    return this.http(tx, ctx, 'to_server');
  }

  evaluateResponse(tx: HttpTransaction, ctx: DetectionContext): RuleMatch[] {
    if (!this.wanted(ctx) || !tx.response) return [];
    this.c.responses++;
    return this.http(tx, ctx, 'to_client');
  }

  evaluateStream(chunk: StreamChunk, ctx: DetectionContext): RuleMatch[] {
    if (!this.wanted(ctx)) return [];
    this.c.stream_chunks++;
    const m = this.engine!.matchStream(chunk, { addressVars: this.vars(chunk.flow, ctx) }).map(plain);
    this.c.matches += m.length;
    return m;
  }

  /** Forgets a flow's state (flowbits, stream tails). */
  endFlow(flow: FlowInfo): void {
    this.engine?.endFlow(flow);
  }

  setDisabledRules(ids: ReadonlySet<number>): void {
    this.disabled = [...ids];
    this.apply(true);
  }

  configure(s: DetectorSettings): void {
    this.categories = s.categories;
    this.setVars(s.vars);
    this.apply(false);
  }

  /**
   * The engine runs the union of the categories selected anywhere (the agent filters matches per
   * direction and protocol); rules turned off are removed after the selection.
   */
  private apply(force: boolean): void {
    if (!this.engine) return;
    const union = new Set<string>();
    let all = !this.categories;
    for (const byProto of Object.values(this.categories ?? {})) {
      for (const sel of Object.values(byProto)) {
        if (sel.includes(ALL)) all = true;
        for (const c of sel) union.add(c);
      }
    }
    const key = all ? ALL : [...union].sort().join(',');
    if (!force && key === this.selectionKey) return;
    this.selectionKey = key;
    this.engine.select(all ? {} : { categories: union.size ? [...union] : ['__none__'] });
    if (this.disabled.length) this.engine.setDisabled(this.disabled);
  }

  report(): RuleLoadReport {
    const r = this.loadReport;
    const failedByReason: Record<string, number> = {};
    for (const x of r?.reasons ?? []) failedByReason[x.reason] = x.count;
    const failures = (r?.failures ?? []).slice(0, MAX_FAILURES).map((f) => ({ file: f.file, line: f.line, ruleId: f.sid, reason: f.message || f.reason }));
    for (const m of this.missing) failures.unshift({ file: m, line: 0, ruleId: undefined, reason: 'no such file or directory' });
    if (!r && !this.missing.length) failures.unshift({ file: this.paths.join(', '), line: 0, ruleId: undefined, reason: 'no .rules files (run `proctap rules update`)' });
    return {
      source: 'et',
      engine: r ? `et (${r.prefilter})` : 'et',
      paths: this.paths,
      loaded: r?.loaded ?? 0,
      disabledInFiles: r?.disabledInFile ?? 0,
      failed: r?.notLoaded ?? 0,
      failedByReason,
      failures,
      loadTimeMs: r?.loadMs ?? 0,
    };
  }

  counters(): Record<string, number> {
    return { ...this.c };
  }
}
