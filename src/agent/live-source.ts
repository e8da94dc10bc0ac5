// The agent's real capture source: the eBPF Sensor -> the live flow table -> the HTTP parser
// (LivePipeline) -> the agent's sink. It follows the configuration live: the process filter goes to
// the kernel wherever it can (names and cgroups; exe globs and container ids stay in user space),
// HTTPS on/off (re)opens the sensor with or without the TLS uprobes, the payload cap is set in the
// kernel, and new flow limits start a new flow table.
import type { CaptureEvent } from '../capture/types';
import { Sensor, captureProbe, cgroupIdOf, type CaptureFilter, type FilterSet, type SensorOptions, type CapturePath } from '../capture';
import { kernelProcessFilter } from '../config/process-filter';
import type { ProctapConfig } from '../config/types';
import type { FlowInfo } from '../flow/types';
import { LivePipeline, type PipelineEvent } from '../pipeline';
import type { CounterSnapshot } from '../metrics/agent-metrics';
import type { CaptureSource, ProbeStatus, TrafficSink } from './types';

export interface LiveSourceOptions {
  /**
   * Network namespaces to capture (paths such as /run/netns/NAME or /proc/PID/ns/net). When set,
   * only sockets in these namespaces are captured (process include lists are then checked in user
   * space, since the kernel filter ORs its include entries).
   */
  netns?: string[];
  capturePath?: CapturePath;
  /** Ring buffer bytes (default: the sensor's, 64 MiB). */
  ringBytes?: number;
  /** 1 MiB batches the native reader queues for JavaScript before it drops (default: the sensor's, 64). */
  maxQueuedBatches?: number;
  /** Called when a flow ends (engines drop per-flow state). */
  onFlowEnd?: (flow: FlowInfo) => void;
  /** Kernel BPF run statistics for /metrics (default true). */
  bpfStats?: boolean;
  /** Flow idle timeout (default 10 min). */
  idleTimeoutMs?: number;
}

interface Limits {
  depth: number;
  memory: number;
}

/** Builds the kernel filter: the netns scope (if any) plus what the process filter can do in the kernel. */
export function kernelFilterFor(config: ProctapConfig, netns: string[], problems: string[] = []): CaptureFilter {
  const k = kernelProcessFilter(config.processes);
  const procSet: FilterSet = {};
  if (k.comms.length) procSet.comms = k.comms.map((c) => c.slice(0, 15));
  // A cgroup that does not exist (yet) cannot go to the kernel; user space still checks it.
  const cgroups = k.cgroupPaths.filter((g) => {
    try {
      cgroupIdOf(g);
      return true;
    } catch (err) {
      problems.push(`processes.cgroups ${g}: ${(err as Error).message}; checked in user space only`);
      return false;
    }
  });
  if (k.mode === 'include' && cgroups.length < k.cgroupPaths.length && !netns.length) {
    // An include list the kernel cannot hold completely: let everything through, user space decides.
    return {};
  }
  if (cgroups.length) procSet.cgroups = cgroups;
  const hasProc = !!(procSet.comms || procSet.cgroups);
  const f: CaptureFilter = {};
  if (netns.length) f.include = { netns: [...netns] };
  else if (k.mode === 'include' && hasProc) f.include = procSet;
  if (k.mode === 'exclude' && hasProc) f.exclude = procSet;
  return f;
}

export class LiveCaptureSource implements CaptureSource {
  private sensor: Sensor | undefined;
  private pipe: LivePipeline | undefined;
  private sink: TrafficSink | undefined;
  private config: ProctapConfig | undefined;
  private https = true;
  private limits: Limits = { depth: 1 << 20, memory: 256 << 20 };
  private tick: NodeJS.Timeout | undefined;
  private unsub: (() => void) | undefined;
  private readonly netns: string[];
  // Totals that outlive a sensor or pipeline replaced by a configuration change.
  private readonly events: Record<string, number> = {};
  private readonly bytes: Record<string, number> = {};
  private readonly past = { kernel_ring: 0, addon_queue: 0, flow_limits: 0, parser_gaps: 0, truncated: 0, filtered: 0 };
  private readonly pastPipe: Record<string, number> = {};
  private sinkErrors = 0;
  private restarts = 0;
  readonly errors: string[] = [];

  constructor(private readonly opts: LiveSourceOptions = {}) {
    this.netns = opts.netns ?? [];
  }

  get path(): string {
    return this.sensor?.capturePath ?? this.opts.capturePath ?? 'auto';
  }

  async start(sink: TrafficSink): Promise<void> {
    if (!this.config) throw new Error('LiveCaptureSource: applyConfig must come before start');
    this.sink = sink;
    this.pipe = this.newPipeline();
    this.openSensor();
    this.tick = setInterval(() => this.pipe?.tick(Date.now()), 1000);
    this.tick.unref();
  }

  async stop(): Promise<void> {
    if (this.tick) clearInterval(this.tick);
    this.tick = undefined;
    const sink = this.sink;
    this.sink = undefined; // a pending reopen then leaves the sensor closed
    await this.reopening;
    this.sink = sink;
    await this.closeSensor();
    this.pipe?.flush();
    this.sink = undefined;
  }

  applyConfig(c: ProctapConfig): void {
    const prev = this.config;
    this.config = c;
    const limits = { depth: c.limits.stream_depth_bytes, memory: c.limits.memory_bytes };
    if (!this.sink) {
      this.https = c.https.enabled;
      this.limits = limits;
      return;
    }
    if (limits.depth !== this.limits.depth || limits.memory !== this.limits.memory) {
      // Flow limits are fixed per flow table: flows in progress end, new ones use the new limits.
      this.limits = limits;
      const old = this.pipe;
      this.pipe = this.newPipeline();
      if (old) {
        this.keepPipeCounters(old);
        old.flush();
      }
    }
    if (c.https.enabled !== this.https) {
      // The TLS uprobes come with the sensor: reopen it with or without them.
      this.https = c.https.enabled;
      void this.reopenSensor();
      return;
    }
    if (!this.sensor) return;
    try {
      if (!prev || JSON.stringify(prev.processes) !== JSON.stringify(c.processes)) this.sensor.setFilter(this.filterFor(c));
      if (!prev || prev.limits.payload_cap_bytes !== c.limits.payload_cap_bytes) this.sensor.setMaxBytes(this.payloadCap(c));
    } catch (err) {
      // The previous kernel settings stay; the analyzer's process check still applies.
      this.note(`applying the configuration to the sensor: ${(err as Error).message}`);
    }
  }

  private filterFor(c: ProctapConfig): CaptureFilter {
    const problems: string[] = [];
    const f = kernelFilterFor(c, this.netns, problems);
    for (const p of problems) this.note(p);
    return f;
  }

  private note(msg: string): void {
    if (this.errors.length < 50) this.errors.push(msg);
  }

  /** The configured cap, within what the BPF program can copy per event. */
  private payloadCap(c: ProctapConfig): number {
    return Math.min(c.limits.payload_cap_bytes, captureProbe().maxCaptureBytes);
  }

  private sensorOptions(c: ProctapConfig): SensorOptions {
    const o: SensorOptions & { bpfStats?: boolean } = {
      filter: this.filterFor(c),
      maxBytes: this.payloadCap(c),
      https: this.https,
      capturePath: this.opts.capturePath,
      ringBytes: this.opts.ringBytes,
      maxQueuedBatches: this.opts.maxQueuedBatches,
      bpfStats: this.opts.bpfStats ?? true,
    };
    return o;
  }

  private openSensor(): void {
    const c = this.config!;
    const s = new Sensor(this.sensorOptions(c));
    this.sensor = s;
    this.unsub = s.onEvents((batch) => this.onBatch(batch));
  }

  private async closeSensor(): Promise<void> {
    const s = this.sensor;
    if (!s) return;
    this.unsub?.();
    this.unsub = undefined;
    this.sensor = undefined;
    const c = await s.close();
    this.past.kernel_ring += c.ringDrops;
    this.past.addon_queue += c.queueDropEvents + c.iteratorDrops;
    this.past.truncated += c.truncated;
    this.past.filtered += c.filtered;
  }

  private reopening: Promise<void> = Promise.resolve();

  /** Close, then open with the current configuration; calls are serialised (one sensor at a time). */
  private reopenSensor(): Promise<void> {
    this.reopening = this.reopening.then(async () => {
      this.restarts++;
      try {
        await this.closeSensor();
        if (this.sink) this.openSensor();
      } catch (err) {
        this.note(`reopening the sensor: ${(err as Error).message}`);
      }
    });
    return this.reopening;
  }

  private newPipeline(): LivePipeline {
    return new LivePipeline((ev) => this.onPipelineEvent(ev), {
      memoryCap: this.limits.memory,
      // The sensor attaches /proc facts (exe, cmdline, ppid, cgroup, container) to each event.
      flows: { depth: this.limits.depth, idleTimeoutMs: this.opts.idleTimeoutMs, processInfo: (_pid, ev) => ev.process },
    });
  }

  private keepPipeCounters(p: LivePipeline): void {
    for (const [k, v] of Object.entries(p.counters())) {
      if (k.startsWith('memory_') || k === 'flows_active') continue;
      this.pastPipe[k] = (this.pastPipe[k] ?? 0) + v;
    }
  }

  private onBatch(batch: CaptureEvent[]): void {
    const pipe = this.pipe;
    if (!pipe) return;
    for (const ev of batch) {
      this.events[ev.type] = (this.events[ev.type] ?? 0) + 1;
      if (ev.captured) this.bytes[ev.type] = (this.bytes[ev.type] ?? 0) + ev.captured;
      pipe.push(ev);
    }
  }

  private onPipelineEvent(ev: PipelineEvent): void {
    const sink = this.sink;
    if (!sink) return;
    try {
      switch (ev.kind) {
        case 'http-request':
          sink.transaction(ev.tx, 'request');
          break;
        case 'http-response':
          sink.transaction(ev.tx, 'response');
          break;
        case 'stream':
          sink.streamChunk(ev.chunk);
          break;
        case 'flow-end':
          this.opts.onFlowEnd?.(ev.flow);
          break;
      }
    } catch (err) {
      // One bad transaction must not stop capture.
      this.sinkErrors++;
      this.note((err as Error).stack ?? String(err));
    }
  }

  probes(): ProbeStatus[] {
    const s = this.sensor;
    if (!s) return [];
    const out: ProbeStatus[] = s.programs()
      .filter((p) => !p.name.startsWith('pt_tls_'))
      .map((p) => ({ name: p.name, kind: 'tp_btf', target: s.capturePath, attached: p.linkId > 0 }));
    for (const a of s.tls?.list() ?? []) {
      for (const fn of a.functions) {
        out.push({ name: fn, kind: 'uprobe', target: `${a.path}${a.scope === 'file' ? '' : ` (pid ${a.scope})`}`, attached: true });
      }
      for (const fn of a.missing) out.push({ name: fn, kind: 'uprobe', target: a.path, attached: false, error: 'symbol not found' });
    }
    return out;
  }

  counters(): CounterSnapshot & { other?: Record<string, number> } {
    const s = this.sensor;
    const sc = s?.counters();
    const pc: Record<string, number> = { ...this.pastPipe };
    const now = this.pipe?.counters() as Record<string, number> | undefined;
    for (const [k, v] of Object.entries(now ?? {})) pc[k] = k.startsWith('memory_') || k === 'flows_active' ? v : (pc[k] ?? 0) + v;
    const drops = {
      kernel_ring: this.past.kernel_ring + (sc?.ringDrops ?? 0),
      addon_queue: this.past.addon_queue + (sc ? sc.queueDropEvents + sc.iteratorDrops : 0),
      flow_limits: (pc.flows_evicted ?? 0) + (pc.live_flows_evicted ?? 0),
      parser_gaps: pc.gaps ?? 0,
    };
    let uprobes = 0;
    for (const a of s?.tls?.list() ?? []) uprobes += a.functions.length;
    const other: Record<string, number> = {
      payload_truncated: this.past.truncated + (sc?.truncated ?? 0),
      kernel_filtered: this.past.filtered + (sc?.filtered ?? 0),
      sink_errors: this.sinkErrors,
      problems: this.errors.length,
      sensor_restarts: this.restarts,
      flows_active: pc.flows_active ?? 0,
      flows_total: pc.flows_total ?? 0,
      http_requests: pc.http_requests ?? 0,
      http_responses: pc.http_responses ?? 0,
      bytes_beyond_depth: pc.live_bytes_beyond_depth ?? 0,
      bytes_lost: pc.live_bytes_lost ?? 0,
      memory_used_bytes: pc.memory_used_bytes ?? 0,
    };
    return {
      events: { ...this.events },
      bytes: { ...this.bytes },
      drops,
      bpfPrograms: (s?.programs() ?? []).map((p) => ({ name: p.name, runCount: p.runCount ?? 0, runTimeNs: p.runTimeNs ?? 0 })),
      uprobesAttached: uprobes,
      other,
    };
  }
}
