// The detection core of the agent: for each HTTP transaction (or raw TCP chunk) from the pipeline,
// decide whether it is analysed (analysis on, HTTPS on, process filter), run every engine, score the
// matches once, and raise, count or update incidents.
import { performance } from 'perf_hooks';
import type { ConfigStore } from '../config/store';
import { ProcessMatcher } from '../config/process-filter';
import type { DetectionContext, Detector, DetectorSettings } from '../detect/detector';
import type { RuleMatch } from '../detect/types';
import type { HttpTransaction } from '../protocols/http/types';
import type { StreamChunk } from '../flow/types';
import { directionOf, incidentFromStream, incidentFromTransaction, protocolOfTransaction, withResponse } from '../incidents/build';
import type { MaskBook } from '../incidents/masks';
import { RepeatTracker } from '../incidents/repeats';
import { idsForSource, isDisabledIn, type RuleStateBook } from '../incidents/rule-states';
import { scoreMatches, type ScoreResult } from '../incidents/scoring';
import { SEVERITY_NAMES, type Incident, type IncidentEvent } from '../incidents/types';
import type { IncidentStore } from '../outputs/incident-store';
import type { AgentMetrics } from '../metrics/agent-metrics';

/** request: the request is complete; response: its response too; complete: both at once. */
export type TransactionPhase = 'request' | 'response' | 'complete';

export interface AnalyzerDeps {
  config: ConfigStore;
  detectors: readonly Detector[];
  rules: RuleStateBook;
  masks: MaskBook;
  store: IncidentStore;
  metrics: AgentMetrics;
  host: string;
  now: () => number;
}

export interface AnalyzerCounters {
  transactions: number;
  stream_chunks: number;
  skipped_analysis_off: number;
  skipped_https_off: number;
  skipped_process_filter: number;
  below_threshold: number;
  incidents_raised: number;
  incidents_repeated: number;
  incidents_masked: number;
  detector_errors: number;
}

interface Pending {
  ctx: DetectionContext;
  matches: RuleMatch[];
  incident?: Incident;
}

export class Analyzer {
  private readonly pending = new WeakMap<HttpTransaction, Pending>();
  private disabled = new Set<string>();
  private matcher: ProcessMatcher;
  private readonly repeats: RepeatTracker;
  private seq = 0;
  readonly counters: AnalyzerCounters = {
    transactions: 0,
    stream_chunks: 0,
    skipped_analysis_off: 0,
    skipped_https_off: 0,
    skipped_process_filter: 0,
    below_threshold: 0,
    incidents_raised: 0,
    incidents_repeated: 0,
    incidents_masked: 0,
    detector_errors: 0,
  };

  constructor(private readonly d: AnalyzerDeps) {
    const c = d.config.current;
    this.matcher = new ProcessMatcher(c.processes);
    this.repeats = new RepeatTracker(c.incidents.repeat_window_seconds * 1000);
    this.refresh();
  }

  /** Re-reads configuration and rule states, and pushes what the engines need to them. */
  refresh(): void {
    const c = this.d.config.current;
    this.matcher = new ProcessMatcher(c.processes);
    this.repeats.setWindow(c.incidents.repeat_window_seconds * 1000);
    this.disabled = this.d.rules.disabledHere(c.rules.disabled);
    for (const det of this.d.detectors) {
      det.setDisabledRules(idsForSource(this.disabled, det.source));
      const key = det.source === 'crs' ? 'crs' : 'et';
      const settings: DetectorSettings = {
        paranoia: c.detection.paranoia,
        categories: {
          inbound: { http: [...c.rules.inbound.http[key]], https: [...c.rules.inbound.https[key]], tcp: [...c.rules.inbound.tcp[key]] },
          outbound: { http: [...c.rules.outbound.http[key]], https: [...c.rules.outbound.https[key]], tcp: [...c.rules.outbound.tcp[key]] },
        },
        vars: { ...c.rules.et.vars },
      };
      det.configure?.(settings);
    }
  }

  /** Rules off on this host, as 'source:id' ('*:id' for any source). */
  get disabledRules(): ReadonlySet<string> {
    return this.disabled;
  }

  private admitted(flow: HttpTransaction['flow']): boolean {
    const c = this.d.config.current;
    if (!c.analysis.enabled) {
      this.counters.skipped_analysis_off++;
      return false;
    }
    if (flow.tls && !c.https.enabled) {
      this.counters.skipped_https_off++;
      return false;
    }
    if (!this.matcher.analysed(flow.process)) {
      this.counters.skipped_process_filter++;
      return false;
    }
    return true;
  }

  private run(fn: (det: Detector) => RuleMatch[]): RuleMatch[] {
    const out: RuleMatch[] = [];
    for (const det of this.d.detectors) {
      const t0 = performance.now();
      try {
        out.push(...fn(det));
      } catch {
        // Malformed traffic must never stop the sensor: count it and go on with the other engines.
        this.counters.detector_errors++;
        this.d.metrics.countDrop(`detector_error_${det.name}`);
      }
      this.d.metrics.observeRuleEval(det.name, (performance.now() - t0) / 1000);
    }
    return out;
  }

  private score(matches: RuleMatch[], ctx: DetectionContext): ScoreResult {
    return scoreMatches(matches, this.d.config.current, ctx.direction, ctx.protocol, (m) => isDisabledIn(this.disabled, m.source, m.id));
  }

  /** Analyses a transaction at the given phase; returns the incident event it caused, if any. */
  onTransaction(tx: HttpTransaction, phase: TransactionPhase = 'complete'): IncidentEvent | undefined {
    let p = this.pending.get(tx);
    if (!p) {
      if (!this.admitted(tx.flow)) return undefined;
      this.counters.transactions++;
      const ctx: DetectionContext = { direction: directionOf(tx.flow), protocol: protocolOfTransaction(tx.flow), host: this.d.host };
      this.d.metrics.countAnalysed(ctx.direction, ctx.protocol);
      p = { ctx, matches: tx.request ? this.run((det) => det.evaluateRequest(tx, ctx)) : [] };
      if (phase === 'request') {
        this.pending.set(tx, p);
        const scored = this.score(p.matches, p.ctx);
        if (!scored.reached) return undefined;
        const ev = this.raise(incidentFromTransaction(tx, scored, ctx.direction, ctx.protocol, this.buildCtx()));
        p.incident = ev.incident;
        return ev;
      }
    } else if (phase === 'request') {
      return undefined; // already evaluated
    }
    // Response (or complete): add the response phases, score the whole transaction once.
    const pp = p;
    this.pending.delete(tx);
    if (tx.response) pp.matches.push(...this.run((det) => det.evaluateResponse(tx, pp.ctx)));
    const scored = this.score(pp.matches, pp.ctx);
    if (pp.incident) {
      const updated = withResponse(pp.incident, tx, scored, this.d.config.current);
      Object.assign(pp.incident, updated);
      const ev: IncidentEvent = { kind: 'updated', incident: pp.incident };
      this.d.store.publish(ev);
      return ev;
    }
    if (!scored.reached) {
      this.counters.below_threshold++;
      return undefined;
    }
    return this.raise(incidentFromTransaction(tx, scored, pp.ctx.direction, pp.ctx.protocol, this.buildCtx()));
  }

  /** Analyses a raw TCP stream chunk (non-HTTP flows). */
  onStreamChunk(chunk: StreamChunk): IncidentEvent | undefined {
    if (!this.admitted(chunk.flow)) return undefined;
    this.counters.stream_chunks++;
    const ctx: DetectionContext = { direction: directionOf(chunk.flow), protocol: 'tcp', host: this.d.host };
    this.d.metrics.countAnalysed(ctx.direction, ctx.protocol);
    const scored = this.score(this.run((det) => det.evaluateStream(chunk, ctx)), ctx);
    if (!scored.reached) {
      this.counters.below_threshold++;
      return undefined;
    }
    return this.raise(incidentFromStream(chunk, scored, ctx.direction, this.buildCtx()));
  }

  private buildCtx(): Parameters<typeof incidentFromTransaction>[4] {
    return { config: this.d.config.current, configGeneration: this.d.config.generation, host: this.d.host, nowMs: this.d.now(), seq: ++this.seq };
  }

  private sourceLabel(inc: Incident): string {
    const crs = inc.rules.some((r) => r.source === 'crs');
    const et = inc.rules.some((r) => r.source === 'et');
    return crs && et ? 'crs+et' : crs ? 'crs' : 'et';
  }

  private raise(inc: Incident): IncidentEvent {
    const existing = this.repeats.find(inc.repeatKey, inc.timeMs);
    let ev: IncidentEvent;
    if (existing && this.d.store.get(existing.id) === existing) {
      existing.count += 1;
      existing.lastSeenMs = inc.timeMs;
      if (!existing.masked && this.d.masks.covers(existing)) existing.masked = true;
      this.counters.incidents_repeated++;
      ev = { kind: 'repeated', incident: existing };
    } else {
      inc.masked = this.d.masks.covers(inc);
      this.repeats.track(inc);
      this.counters.incidents_raised++;
      ev = { kind: 'raised', incident: inc };
    }
    if (ev.incident.masked) this.counters.incidents_masked++;
    // Masked incidents are still counted: operators must see how much they hide.
    this.d.metrics.countIncident(SEVERITY_NAMES[ev.incident.severity], this.sourceLabel(ev.incident), ev.incident.masked);
    this.d.store.publish(ev);
    return ev;
  }
}
