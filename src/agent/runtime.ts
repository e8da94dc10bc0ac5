// Assembles a running sensor from a configuration: the rule engines (CRS, ET) behind their
// Detector adapters, the live capture source, and the Agent core with its outputs. Used by
// `proctap agent` and `proctap demo`.
import type { ProctapConfig } from '../config/types';
import type { Detector } from '../detect/detector';
import { CrsDetector } from '../detect/crs-detector';
import { EtDetector } from '../detect/et-detector';
import { Agent } from './agent';
import { LiveCaptureSource, type LiveSourceOptions } from './live-source';
import { MemoryKeeper, collectGarbage, tuneMalloc } from './memory-keeper';
import type { CaptureSource } from './types';

export const DEFAULT_STATE_DIR = '/var/lib/proctap/state';
/**
 * The agent's ring buffer. A native thread drains it continuously into batches (the addon queue
 * absorbs slow JavaScript), so it needs less than the capture command's 64 MiB; its pages are
 * mapped twice and count twice in RSS (8 MiB: 16 MB of RSS).
 */
export const AGENT_RING_BYTES = 8 << 20;
/**
 * 1 MiB batches the native reader queues while JavaScript is busy, before it drops (counted as
 * addon_queue drops). Every queued batch is resident memory, but a shorter queue drops in more,
 * shorter runs, which break more flows: analysed tx/s under overload measured 0.7k with 16,
 * 1.3k with 32 and 2.5k with 64 (bench/agent-e2e.ts --quick, unpaced).
 */
export const AGENT_MAX_QUEUED_BATCHES = 64;


export interface RuntimeOptions {
  config: ProctapConfig;
  stateDir: string;
  netns?: string[];
  grpcListen?: string | null;
  metricsListen?: string | null;
  evePath?: string | null;
  console?: NodeJS.WritableStream;
  capture?: Omit<LiveSourceOptions, 'netns' | 'onFlowEnd'>;
  /** Replaces the live capture (tests of the wiring without eBPF). */
  captureSource?: CaptureSource;
  /** Progress lines (rule loading, listening addresses). */
  log?: (line: string) => void;
}

export interface Runtime {
  agent: Agent;
  source: CaptureSource;
  detectors: Detector[];
  crs?: CrsDetector;
  et?: EtDetector;
  /** Wall time from the call to capture running, ms. */
  startupMs: number;
  grpc: string;
  metrics: string;
  stop(): Promise<void>;
}

function logCrs(c: ProctapConfig, crs: CrsDetector, log: (l: string) => void): void {
  const r = crs.report();
  log(`CRS: ${r.loaded} rules from ${c.rules.crs.dir} in ${r.loadTimeMs.toFixed(0)} ms (${r.failed} not loaded)`);
}

function logEt(c: ProctapConfig, et: EtDetector, log: (l: string) => void): void {
  const r = et.report();
  if (r.loaded) log(`ET: ${r.loaded} rules from ${c.rules.et.dir} in ${r.loadTimeMs.toFixed(0)} ms (${r.failed} not loaded, ${r.disabledInFiles} disabled in files)`);
  else log(`ET: no rules loaded from ${c.rules.et.dir} (${r.failures[0]?.reason ?? 'empty'}); running without ET`);
}

const newCrs = (c: ProctapConfig) => new CrsDetector({ dir: c.rules.crs.dir, setup: c.rules.crs.setup, paranoia: c.detection.paranoia });
const etOptions = (c: ProctapConfig) => ({ paths: [c.rules.et.dir], vars: c.rules.et.vars });

/** Loads the engines the configuration enables (rule directories are read once, at start). */
export function loadDetectors(c: ProctapConfig, log: (l: string) => void = () => undefined): { detectors: Detector[]; crs?: CrsDetector; et?: EtDetector } {
  const crs = c.rules.crs.enabled ? newCrs(c) : undefined;
  if (crs) logCrs(c, crs, log);
  const et = c.rules.et.enabled ? new EtDetector(etOptions(c)) : undefined;
  if (et) logEt(c, et, log);
  return { detectors: [crs, et].filter((d): d is CrsDetector | EtDetector => !!d), crs, et };
}

/**
 * Same engines as loadDetectors, loaded concurrently: ET parses first, then its Hyperscan
 * databases compile on libuv threads while this thread loads CRS (start-up with a cold Hyperscan
 * cache is mostly that compilation).
 */
export async function loadDetectorsConcurrently(c: ProctapConfig, log: (l: string) => void = () => undefined): Promise<{ detectors: Detector[]; crs?: CrsDetector; et?: EtDetector }> {
  const etLoading = c.rules.et.enabled ? EtDetector.load(etOptions(c)) : undefined;
  // Errors of the ET load surface at the await below, after CRS.
  etLoading?.catch(() => undefined);
  const crs = c.rules.crs.enabled ? newCrs(c) : undefined;
  if (crs) logCrs(c, crs, log);
  const et = await etLoading;
  if (et) logEt(c, et, log);
  return { detectors: [crs, et].filter((d): d is CrsDetector | EtDetector => !!d), crs, et };
}

/**
 * One full garbage collection. Loading the rule sets leaves ~100 MB of parse garbage in the old
 * generation, which V8 would otherwise keep (as RSS) until some later major collection.
 */
export { collectGarbage };

export async function startRuntime(o: RuntimeOptions): Promise<Runtime> {
  const t0 = performance.now();
  const log = o.log ?? (() => undefined);
  // Before the rule files are read: their large buffers must not raise glibc's mmap threshold.
  tuneMalloc();
  const keeper = new MemoryKeeper();
  const { detectors, crs, et } = await loadDetectorsConcurrently(o.config, log);
  keeper.collect();
  const source =
    o.captureSource ??
    new LiveCaptureSource({
      ringBytes: AGENT_RING_BYTES,
      maxQueuedBatches: AGENT_MAX_QUEUED_BATCHES,
      ...o.capture,
      netns: o.netns,
      onFlowEnd: et ? (flow) => et.endFlow(flow) : undefined,
    });
  const agent = new Agent({
    config: o.config,
    stateDir: o.stateDir,
    detectors,
    capture: source,
    grpcListen: o.grpcListen,
    metricsListen: o.metricsListen,
    evePath: o.evePath,
    console: o.console,
  });
  const addr = await agent.start();
  const startupMs = performance.now() - t0;
  // Load-time leftovers, garbage after bursts, free malloc pages: see memory-keeper.ts.
  keeper.start();
  log(`capture: ${source.path}${o.netns?.length ? ` in ${o.netns.join(', ')}` : ''}; gRPC ${addr.grpc || 'off'}; metrics ${addr.metrics ? `http://${addr.metrics}/metrics` : 'off'}; started in ${(startupMs / 1000).toFixed(1)} s`);
  let stopped = false;
  return {
    agent,
    source,
    detectors,
    crs,
    et,
    startupMs,
    grpc: addr.grpc,
    metrics: addr.metrics,
    async stop() {
      if (stopped) return;
      stopped = true;
      keeper.stop();
      await agent.stop();
    },
  };
}
