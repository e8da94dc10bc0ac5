// The CRS engine behind the agent's Detector interface: HttpTransaction -> CrsRequest/CrsResponse,
// one CRS Transaction per HTTP transaction (request phases, then response phases), the paranoia
// level applied per transaction (live, no reload), rules turned off by the operator skipped.
import { CrsEngine, DEBIAN_CRS_DIR, DEBIAN_CRS_SETUP, type Transaction } from './crs';
import type { CrsLoadReport, CrsRequest, CrsResponse } from './crs';
import type { StreamChunk } from '../flow/types';
import type { HttpHeader, HttpTransaction } from '../protocols/http/types';
import type { DetectionContext, Detector, DetectorSettings, RuleLoadReport, TrafficDirection, TrafficProtocol } from './detector';
import type { RuleMatch } from './types';

export interface CrsDetectorOptions {
  /** CRS directory (default: Debian's modsecurity-crs package). */
  dir?: string;
  /** Setup file (default: the directory's crs-setup.conf[.example], Debian's /etc/modsecurity/crs/crs-setup.conf). */
  setup?: string;
  paranoia?: number;
}

// The TX variable the adapter sets per transaction; the rule below copies it over whatever the
// setup file chose, so the configuration's paranoia wins and changes apply to the next transaction.
const PL_VAR = 'proctap_paranoia_level';
const PARANOIA_RULE_ID = 9001990;
const PARANOIA_DIRECTIVE =
  `SecAction "id:${PARANOIA_RULE_ID},phase:1,pass,nolog,t:none,` +
  ['paranoia_level', 'executing_paranoia_level', 'blocking_paranoia_level', 'detection_paranoia_level']
    .map((v) => `setvar:'tx.${v}=%{tx.${PL_VAR}}'`)
    .join(',') +
  '"';

const MAX_FAILURES = 50;

function headerPairs(h: HttpHeader[]): Array<[string, string]> {
  return h.map((x) => [x.name, x.value]);
}

function bareAddr(a: string): string {
  // CRS compares REMOTE_ADDR with @ipMatch: give it the IPv4 form of a mapped address.
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

export function crsRequestOf(tx: HttpTransaction): CrsRequest | undefined {
  const r = tx.request;
  if (!r) return undefined;
  const f = tx.flow;
  return {
    method: r.method,
    uri: r.uri,
    version: r.version || 'HTTP/1.0',
    headers: headerPairs(r.headers),
    body: r.body.length ? r.body : undefined,
    clientIp: bareAddr(f.client.addr),
    clientPort: f.client.port,
    serverIp: bareAddr(f.server.addr),
    serverPort: f.server.port,
    requestLine: r.line.toString('latin1'),
  };
}

export function crsResponseOf(tx: HttpTransaction): CrsResponse | undefined {
  const r = tx.response;
  if (!r) return undefined;
  const body = r.decodedBody.length ? r.decodedBody : r.body;
  return { status: r.status, version: r.version || undefined, headers: headerPairs(r.headers), body: body.length ? body : undefined };
}

export class CrsDetector implements Detector {
  readonly name = 'crs';
  readonly source = 'crs' as const;
  readonly engine: CrsEngine;
  private readonly loadReport: CrsLoadReport;
  private readonly loadMs: number;
  private readonly paths: string[];
  private paranoia: string;
  private disabled: ReadonlySet<number> = new Set();
  private categories: DetectorSettings['categories'] | undefined;
  private readonly open = new WeakMap<HttpTransaction, Transaction>();
  private readonly c = { requests: 0, responses: 0, skipped_no_category: 0, matches: 0 };

  constructor(opts: CrsDetectorOptions = {}) {
    const dir = opts.dir || DEBIAN_CRS_DIR;
    const t0 = performance.now();
    const { engine, report } = CrsEngine.load({
      crsDir: dir,
      setupFile: opts.setup || (dir === DEBIAN_CRS_DIR ? DEBIAN_CRS_SETUP : undefined),
      extraDirectives: PARANOIA_DIRECTIVE,
    });
    this.loadMs = performance.now() - t0;
    this.engine = engine;
    this.loadReport = report;
    this.paths = [dir];
    this.paranoia = String(opts.paranoia ?? 1);
  }

  /** Whether this engine has any category enabled for the context (else it is skipped). */
  private wanted(ctx: DetectionContext): boolean {
    const sel = this.categories?.[ctx.direction as TrafficDirection]?.[ctx.protocol as TrafficProtocol];
    if (sel && sel.length === 0) {
      this.c.skipped_no_category++;
      return false;
    }
    return true;
  }

  private begin(tx: HttpTransaction): Transaction | undefined {
    const req = crsRequestOf(tx);
    if (!req) return undefined;
    const t = this.engine.newTransaction(req, { disabledIds: this.disabled });
    t.setVar('TX', PL_VAR, this.paranoia);
    return t;
  }

  evaluateRequest(tx: HttpTransaction, ctx: DetectionContext): RuleMatch[] {
    if (!this.wanted(ctx)) return [];
    const t = this.begin(tx);
    if (!t) return [];
    this.c.requests++;
    const r = t.evaluateRequest();
    this.open.set(tx, t);
    this.c.matches += r.matches.length;
    return r.matches;
  }

  evaluateResponse(tx: HttpTransaction, ctx: DetectionContext): RuleMatch[] {
    const resp = crsResponseOf(tx);
    if (!resp || !this.wanted(ctx)) return [];
    let t = this.open.get(tx);
    this.open.delete(tx);
    if (!t) {
      // Response without a request evaluation (its request phases run inside evaluateResponse;
      // the response rules depend on their variables). Only the response's matches are reported.
      t = this.begin(tx);
      if (!t) return [];
      t.evaluateRequest();
    }
    this.c.responses++;
    const r = t.evaluateResponse(resp);
    this.c.matches += r.matches.length;
    return r.matches;
  }

  evaluateStream(_chunk: StreamChunk, _ctx: DetectionContext): RuleMatch[] {
    return []; // CRS is an HTTP rule set
  }

  setDisabledRules(ids: ReadonlySet<number>): void {
    this.disabled = new Set(ids);
  }

  configure(s: DetectorSettings): void {
    this.paranoia = String(s.paranoia);
    this.categories = s.categories;
  }

  report(): RuleLoadReport {
    const failedByReason: Record<string, number> = {};
    for (const e of this.loadReport.errors) {
      const reason = e.message.replace(/^rule \d+: /, '').replace(/\/.*\/: /, '/…/: ').slice(0, 80);
      failedByReason[reason] = (failedByReason[reason] ?? 0) + 1;
    }
    return {
      source: 'crs',
      engine: 'crs',
      paths: this.paths,
      loaded: this.loadReport.rules,
      disabledInFiles: 0,
      failed: this.loadReport.errors.length,
      failedByReason,
      failures: this.loadReport.errors.slice(0, MAX_FAILURES).map((e) => ({ file: e.file, line: e.line, ruleId: e.ruleId, reason: e.message })),
      loadTimeMs: this.loadMs,
    };
  }

  counters(): Record<string, number> {
    return { ...this.c };
  }
}
