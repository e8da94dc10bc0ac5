// The sensor's Prometheus metrics, on a registry of its own. Stages either call the push functions
// (countEvent, countDrop, observeRuleEval...) or register a pull source whose counters are read at
// scrape time (addSource): the capture stage's kernel counters are totals it already keeps, so they
// are read, not mirrored.
import * as client from 'prom-client';

/** Counters a stage exposes as cumulative totals (read at each scrape). */
export interface CounterSnapshot {
  /** Events by type (send, recv, tls_write...). */
  events?: Record<string, number>;
  /** Payload bytes by event type. */
  bytes?: Record<string, number>;
  /** Drops by stage: kernel_ring, addon_queue, flow_limits, parser_gaps... */
  drops?: Record<string, number>;
  /** Per BPF program: run count and total run time (kernel.bpf_stats_enabled). */
  bpfPrograms?: { name: string; runCount: number; runTimeNs: number }[];
  /** Uprobes attached now (a level, not a total). */
  uprobesAttached?: number;
}

export type CounterSource = () => CounterSnapshot;

export const METRIC_PREFIX = 'proctap_';

/** A Counter that follows an external total: adds the growth since the last read. */
class TotalsTracker {
  private last = new Map<string, number>();

  constructor(private readonly counter: client.Counter<string>, private readonly label: string) {}

  update(totals: Map<string, number>): void {
    for (const [k, v] of totals) {
      const prev = this.last.get(k) ?? 0;
      // A source that restarted reports a smaller total: count its new total as growth.
      const delta = v >= prev ? v - prev : v;
      // inc by 0 the first time so the series exists (reads as 0, not absent).
      if (delta > 0 || !this.last.has(k)) this.counter.inc({ [this.label]: k }, delta);
      this.last.set(k, v);
    }
  }
}

function sum(into: Map<string, number>, rec: Record<string, number> | undefined): void {
  if (!rec) return;
  for (const [k, v] of Object.entries(rec)) if (Number.isFinite(v)) into.set(k, (into.get(k) ?? 0) + v);
}

export class AgentMetrics {
  readonly registry = new client.Registry();
  private readonly sources = new Map<string, CounterSource>();

  private readonly events: client.Counter<'type'>;
  private readonly bytes: client.Counter<'type'>;
  private readonly drops: client.Counter<'stage'>;
  private readonly incidents: client.Counter<'severity' | 'source'>;
  private readonly masked: client.Counter<string>;
  private readonly ruleEval: client.Histogram<'engine'>;
  private readonly bpfRuns: client.Counter<'program'>;
  private readonly bpfTime: client.Counter<'program'>;
  private readonly uprobes: client.Gauge<string>;
  private readonly configGen: client.Gauge<string>;
  private readonly transactions: client.Counter<'direction' | 'protocol'>;

  // Pushed counts are kept apart from pulled totals so both can feed one metric.
  private readonly pushedEvents = new Map<string, number>();
  private readonly pushedBytes = new Map<string, number>();
  private readonly pushedDrops = new Map<string, number>();

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const r = this.registry;
    if (opts.defaultMetrics !== false) client.collectDefaultMetrics({ register: r, prefix: METRIC_PREFIX });

    this.events = new client.Counter({ name: `${METRIC_PREFIX}events_total`, help: 'Capture events by type', labelNames: ['type'], registers: [r] });
    this.bytes = new client.Counter({ name: `${METRIC_PREFIX}bytes_total`, help: 'Payload bytes captured by event type', labelNames: ['type'], registers: [r] });
    this.drops = new client.Counter({ name: `${METRIC_PREFIX}drops_total`, help: 'Data dropped, by the stage where it was lost (kernel_ring, addon_queue, flow_limits, parser_gaps, ...)', labelNames: ['stage'], registers: [r] });
    this.incidents = new client.Counter({ name: `${METRIC_PREFIX}incidents_total`, help: 'Incidents raised or repeated, by severity and rule source (masked ones included)', labelNames: ['severity', 'source'], registers: [r] });
    this.masked = new client.Counter({ name: `${METRIC_PREFIX}incidents_masked_total`, help: 'Incidents (and repeats) that were masked', registers: [r] });
    this.ruleEval = new client.Histogram({
      name: `${METRIC_PREFIX}rule_evaluation_seconds`,
      help: 'Time one engine spent on one transaction or stream chunk',
      labelNames: ['engine'],
      buckets: [0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 0.5],
      registers: [r],
    });
    this.bpfRuns = new client.Counter({ name: `${METRIC_PREFIX}bpf_program_runs_total`, help: 'Runs of each BPF program (needs kernel.bpf_stats_enabled=1)', labelNames: ['program'], registers: [r] });
    this.bpfTime = new client.Counter({ name: `${METRIC_PREFIX}bpf_program_run_seconds_total`, help: 'Time spent in each BPF program (needs kernel.bpf_stats_enabled=1)', labelNames: ['program'], registers: [r] });
    this.uprobes = new client.Gauge({ name: `${METRIC_PREFIX}uprobes_attached`, help: 'TLS uprobes attached now', registers: [r] });
    this.configGen = new client.Gauge({ name: `${METRIC_PREFIX}config_generation`, help: 'Generation of the configuration in force', registers: [r] });
    this.transactions = new client.Counter({ name: `${METRIC_PREFIX}analysed_total`, help: 'HTTP transactions and stream chunks analysed, by direction and protocol', labelNames: ['direction', 'protocol'], registers: [r] });

    const eventsT = new TotalsTracker(this.events, 'type');
    const bytesT = new TotalsTracker(this.bytes, 'type');
    const dropsT = new TotalsTracker(this.drops, 'stage');
    const runsT = new TotalsTracker(this.bpfRuns, 'program');
    const timeT = new TotalsTracker(this.bpfTime, 'program');
    // One collector pulls every source before a scrape: prom-client calls `collect` of each metric
    // when the registry is read, so hang the pull on the first metric that is read.
    const self = this;
    const pull = (): void => {
      const ev = new Map(self.pushedEvents);
      const by = new Map(self.pushedBytes);
      const dr = new Map(self.pushedDrops);
      const runs = new Map<string, number>();
      const time = new Map<string, number>();
      let uprobes: number | undefined;
      for (const [name, src] of self.sources) {
        let s: CounterSnapshot;
        try {
          s = src();
        } catch {
          dr.set(`source_error_${name}`, (dr.get(`source_error_${name}`) ?? 0) + 1);
          continue;
        }
        sum(ev, s.events);
        sum(by, s.bytes);
        sum(dr, s.drops);
        for (const p of s.bpfPrograms ?? []) {
          runs.set(p.name, (runs.get(p.name) ?? 0) + p.runCount);
          time.set(p.name, (time.get(p.name) ?? 0) + p.runTimeNs / 1e9);
        }
        if (s.uprobesAttached !== undefined) uprobes = (uprobes ?? 0) + s.uprobesAttached;
      }
      eventsT.update(ev);
      bytesT.update(by);
      dropsT.update(dr);
      runsT.update(runs);
      timeT.update(time);
      if (uprobes !== undefined) self.uprobes.set(uprobes);
    };
    // The registry reads metrics in registration order; events_total is the first custom one.
    (this.events as unknown as { collect: () => void }).collect = pull;
  }

  /** Registers a pull source (replaces one of the same name). */
  addSource(name: string, fn: CounterSource): void {
    this.sources.set(name, fn);
  }

  removeSource(name: string): void {
    this.sources.delete(name);
  }

  countEvent(type: string, bytes: number): void {
    this.pushedEvents.set(type, (this.pushedEvents.get(type) ?? 0) + 1);
    if (bytes > 0) this.pushedBytes.set(type, (this.pushedBytes.get(type) ?? 0) + bytes);
  }

  countDrop(stage: string, n = 1): void {
    this.pushedDrops.set(stage, (this.pushedDrops.get(stage) ?? 0) + n);
  }

  countIncident(severity: string, source: string, masked: boolean): void {
    this.incidents.inc({ severity, source });
    if (masked) this.masked.inc();
  }

  countAnalysed(direction: string, protocol: string): void {
    this.transactions.inc({ direction, protocol });
  }

  observeRuleEval(engine: string, seconds: number): void {
    this.ruleEval.observe({ engine }, seconds);
  }

  setConfigGeneration(gen: number): void {
    this.configGen.set(gen);
  }

  /** Text exposition (what /metrics serves). */
  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
