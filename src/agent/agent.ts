// The agent core: configuration, operator state, engines and capture in; incidents out to the store,
// EVE, the console table, gRPC subscribers and Prometheus. `proctap agent` builds one of these with
// the real capture source and engines; tests build one with synthetic ones.
import * as os from 'os';
import { ConfigStore, type UpdateResult } from '../config/store';
import type { ProctapConfig } from '../config/types';
import { configToYaml } from '../config/load';
import type { Detector } from '../detect/detector';
import type { RuleSource } from '../detect/types';
import type { StreamChunk } from '../flow/types';
import type { HttpTransaction } from '../protocols/http/types';
import { MaskBook } from '../incidents/masks';
import { RuleStateBook } from '../incidents/rule-states';
import type { Incident, IncidentEvent } from '../incidents/types';
import { AgentMetrics } from '../metrics/agent-metrics';
import { MetricsServer } from '../metrics/server';
import { EveWriter } from '../outputs/eve';
import { IncidentStore } from '../outputs/incident-store';
import { TablePrinter } from '../outputs/table';
import { JsonFileStateStore } from '../state/json-file-store';
import type { RuleStateRecord, StateStore } from '../state/types';
import { Analyzer, type TransactionPhase } from './analyzer';
import { AgentGrpcServer } from './grpc-server';
import type { CaptureSource, ProbeStatus, TrafficSink } from './types';

export const AGENT_VERSION = '0.1.0';

export interface AgentOptions {
  config: ProctapConfig;
  /** Directory for operator state (masks, rule states). */
  stateDir: string;
  detectors: Detector[];
  capture?: CaptureSource;
  /** Defaults to a JSON file in stateDir. */
  stateStore?: StateStore;
  /** Overrides config host.name. */
  host?: string;
  /** Override outputs from the command line: a string replaces the address/path, null turns it off. */
  grpcListen?: string | null;
  metricsListen?: string | null;
  evePath?: string | null;
  /** Print the live table here (e.g. process.stdout); overrides outputs.console. */
  console?: NodeJS.WritableStream;
  /** Collect Node's default process metrics (CPU, memory); default true. */
  defaultMetrics?: boolean;
  now?: () => number;
}

export class AgentError extends Error {
  constructor(readonly code: 'not_found' | 'invalid' | 'conflict', message: string) {
    super(message);
  }
}

export interface AgentStatus {
  version: string;
  host: string;
  startedAtMs: number;
  configGeneration: number;
  analysisEnabled: boolean;
  httpsEnabled: boolean;
  capturePath: string;
  probes: ProbeStatus[];
  counters: Record<string, number>;
  rules: { report: ReturnType<Detector['report']>; disabledByOperator: number }[];
  incidentsHeld: number;
  incidentsMasked: number;
  grpcListen: string;
  metricsListen: string;
  evePath: string;
}

export class Agent {
  readonly config: ConfigStore;
  readonly metrics: AgentMetrics;
  readonly store: IncidentStore;
  readonly host: string;
  private readonly now: () => number;
  private readonly stateStore: StateStore;
  private analyzer?: Analyzer;
  private masks?: MaskBook;
  private rules?: RuleStateBook;
  private eve?: EveWriter;
  private table?: TablePrinter;
  private grpc?: AgentGrpcServer;
  private metricsServer?: MetricsServer;
  private startedAtMs = 0;
  private started = false;
  private unsubscribers: (() => void)[] = [];
  grpcAddress = '';
  metricsAddress = '';

  /** The sink the capture pipeline feeds. */
  readonly sink: TrafficSink = {
    transaction: (tx, phase) => {
      this.handleTransaction(tx, phase);
    },
    streamChunk: (chunk) => {
      this.handleStreamChunk(chunk);
    },
  };

  constructor(private readonly opts: AgentOptions) {
    this.config = new ConfigStore(opts.config);
    this.now = opts.now ?? Date.now;
    this.host = opts.host || this.config.current.host.name || os.hostname();
    this.metrics = new AgentMetrics({ defaultMetrics: opts.defaultMetrics });
    this.store = new IncidentStore(this.config.current.incidents.keep);
    this.stateStore = opts.stateStore ?? new JsonFileStateStore(opts.stateDir);
  }

  /** Loads state, starts outputs, servers and capture. Resolves to the bound addresses. */
  async start(): Promise<{ grpc: string; metrics: string }> {
    if (this.started) throw new Error('agent already started');
    this.started = true;
    this.startedAtMs = this.now();
    const state = await this.stateStore.load();
    this.masks = new MaskBook(this.stateStore, state.masks);
    this.rules = new RuleStateBook(this.stateStore, state.rules, this.host);
    this.analyzer = new Analyzer({
      config: this.config,
      detectors: this.opts.detectors,
      rules: this.rules,
      masks: this.masks,
      store: this.store,
      metrics: this.metrics,
      host: this.host,
      now: this.now,
    });
    this.metrics.setConfigGeneration(this.config.generation);
    this.metrics.addSource('agent', () => ({
      drops: { incident_store_evicted: this.store.evictedCount },
    }));
    const cap = this.opts.capture;
    if (cap?.counters) this.metrics.addSource('capture', () => cap.counters?.() ?? {});

    this.openOutputs(this.config.current);
    this.unsubscribers.push(
      this.store.subscribe({ includeMasked: false }, (ev) => this.writeOutputs(ev)),
      this.config.onChange(({ previous, current, generation }) => {
        this.analyzer?.refresh();
        this.store.setKeep(current.incidents.keep);
        this.metrics.setConfigGeneration(generation);
        if (previous.outputs.eve.enabled !== current.outputs.eve.enabled || previous.outputs.eve.path !== current.outputs.eve.path) {
          this.eve?.close();
          this.eve = undefined;
          this.openOutputs(current);
        }
        void cap?.applyConfig?.(current);
      }),
    );

    const c = this.config.current;
    const grpcListen = this.opts.grpcListen === undefined ? (c.outputs.grpc.enabled ? c.outputs.grpc.listen : null) : this.opts.grpcListen;
    const metricsListen = this.opts.metricsListen === undefined ? (c.outputs.metrics.enabled ? c.outputs.metrics.listen : null) : this.opts.metricsListen;
    try {
      if (metricsListen) {
        this.metricsServer = new MetricsServer(this.metrics);
        this.metricsAddress = await this.metricsServer.listen(metricsListen);
      }
      if (grpcListen) {
        this.grpc = new AgentGrpcServer(this);
        this.grpcAddress = await this.grpc.listen(grpcListen);
      }
      if (cap) {
        await cap.applyConfig?.(c);
        await cap.start(this.sink);
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
    return { grpc: this.grpcAddress, metrics: this.metricsAddress };
  }

  private openOutputs(c: ProctapConfig): void {
    const evePath = this.opts.evePath === undefined ? (c.outputs.eve.enabled ? c.outputs.eve.path : null) : this.opts.evePath;
    if (evePath && !this.eve) this.eve = new EveWriter(evePath);
    const out = this.opts.console ?? (c.outputs.console.enabled ? process.stdout : undefined);
    if (out && !this.table) this.table = new TablePrinter(out);
  }

  private writeOutputs(ev: IncidentEvent): void {
    // EVE gets each sighting (raised or repeated), like Suricata writes each alert.
    if (this.eve && (ev.kind === 'raised' || ev.kind === 'repeated' || ev.kind === 'updated')) {
      try {
        this.eve.write(ev.incident);
      } catch {
        this.metrics.countDrop('eve_write');
      }
    }
    if (this.table && ev.kind !== 'updated') this.table.print(ev);
  }

  async stop(): Promise<void> {
    for (const u of this.unsubscribers.splice(0)) u();
    await this.opts.capture?.stop().catch(() => undefined);
    await this.grpc?.close();
    this.grpc = undefined;
    await this.metricsServer?.close();
    this.metricsServer = undefined;
    this.eve?.close();
    this.eve = undefined;
    await this.stateStore.close();
  }

  private need(): { analyzer: Analyzer; masks: MaskBook; rules: RuleStateBook } {
    if (!this.analyzer || !this.masks || !this.rules) throw new Error('agent not started');
    return { analyzer: this.analyzer, masks: this.masks, rules: this.rules };
  }

  handleTransaction(tx: HttpTransaction, phase: TransactionPhase = 'complete'): IncidentEvent | undefined {
    return this.need().analyzer.onTransaction(tx, phase);
  }

  handleStreamChunk(chunk: StreamChunk): IncidentEvent | undefined {
    return this.need().analyzer.onStreamChunk(chunk);
  }

  configYaml(): string {
    return configToYaml(this.config.current);
  }

  /** Live configuration update; invalid text leaves everything as it was. */
  setConfigText(text: string, expectedGeneration = 0): UpdateResult & { notes: string[] } {
    if (expectedGeneration && expectedGeneration !== this.config.generation) {
      throw new AgentError('conflict', `configuration generation is ${this.config.generation}, not ${expectedGeneration}`);
    }
    const before = this.config.current;
    const r = this.config.updateFromText(text, 'config');
    const notes: string[] = [];
    if (r.ok) {
      if (before.outputs.grpc.listen !== r.config.outputs.grpc.listen || before.outputs.grpc.enabled !== r.config.outputs.grpc.enabled) notes.push('outputs.grpc takes effect at restart');
      if (before.outputs.metrics.listen !== r.config.outputs.metrics.listen || before.outputs.metrics.enabled !== r.config.outputs.metrics.enabled) notes.push('outputs.metrics takes effect at restart');
      if (before.rules.crs.dir !== r.config.rules.crs.dir || before.rules.crs.setup !== r.config.rules.crs.setup || before.rules.et.dir !== r.config.rules.et.dir) notes.push('rule directories take effect at restart');
      if (before.host.name !== r.config.host.name) notes.push('host.name takes effect at restart');
    }
    return { ...r, notes };
  }

  async maskIncident(id: string, future: boolean, reason = ''): Promise<Incident> {
    const { masks } = this.need();
    const inc = this.store.get(id);
    if (!inc) throw new AgentError('not_found', `no incident ${id} is held by this agent`);
    await masks.mask(inc, future, reason, this.now());
    const targets = future ? this.store.list({ includeMasked: true }, Number.MAX_SAFE_INTEGER).incidents.filter((i) => i.maskKey === inc.maskKey) : [inc];
    for (const t of targets) {
      if (t.masked && t !== inc) continue;
      t.masked = true;
      this.store.publish({ kind: 'masked', incident: t });
    }
    return inc;
  }

  async setRuleState(ruleId: number, enabled: boolean, opts: { source?: RuleSource; host?: string } = {}): Promise<{ rules: RuleStateRecord[]; disabledHere: string[] }> {
    const { rules, analyzer } = this.need();
    if (!Number.isInteger(ruleId) || ruleId <= 0) throw new AgentError('invalid', `rule id must be a positive integer, got ${ruleId}`);
    const host = opts.host ?? '';
    if (host && !/^[A-Za-z0-9._-]{1,253}$/.test(host)) throw new AgentError('invalid', `host: letters, digits, '.', '_' and '-' only, got '${host}'`);
    await rules.set({ ruleId, source: opts.source, enabled, host }, this.now());
    analyzer.refresh();
    return { rules: rules.all(), disabledHere: [...analyzer.disabledRules].sort() };
  }

  ruleStates(): RuleStateRecord[] {
    return this.need().rules.all();
  }

  status(): AgentStatus {
    const { analyzer } = this.need();
    const c = this.config.current;
    const counters: Record<string, number> = {};
    for (const [k, v] of Object.entries(analyzer.counters)) counters[k] = v;
    const cap = this.opts.capture;
    const cc = cap?.counters?.();
    if (cc) {
      for (const group of ['events', 'bytes', 'drops'] as const) for (const [k, v] of Object.entries(cc[group] ?? {})) counters[`${group}.${k}`] = v;
      for (const [k, v] of Object.entries(cc.other ?? {})) counters[`capture.${k}`] = v;
      if (cc.uprobesAttached !== undefined) counters['uprobes_attached'] = cc.uprobesAttached;
    }
    for (const d of this.opts.detectors) for (const [k, v] of Object.entries(d.counters?.() ?? {})) counters[`${d.name}.${k}`] = v;
    counters['incidents_evicted'] = this.store.evictedCount;
    counters['grpc_subscribers'] = this.store.subscribers;
    if (this.eve) counters['eve_lines'] = this.eve.lines;
    const disabled = analyzer.disabledRules;
    return {
      version: AGENT_VERSION,
      host: this.host,
      startedAtMs: this.startedAtMs,
      configGeneration: this.config.generation,
      analysisEnabled: c.analysis.enabled,
      httpsEnabled: c.https.enabled,
      capturePath: cap?.path ?? 'none',
      probes: cap?.probes?.() ?? [],
      counters,
      rules: this.opts.detectors.map((d) => ({
        report: d.report(),
        disabledByOperator: [...disabled].filter((k) => k.startsWith('*:') || k.startsWith(`${d.source}:`)).length,
      })),
      incidentsHeld: this.store.size,
      incidentsMasked: this.store.masked,
      grpcListen: this.grpcAddress,
      metricsListen: this.metricsAddress,
      evePath: this.eve?.file ?? '',
    };
  }
}
