// The capture stage's public face: options in, CaptureEvents out (a batch listener or async
// iteration), counters, run-time filters, close. One Sensor = one loaded BPF object.
import type { CaptureEvent } from './types';
import { decodeBatch } from './decode';
import { resolveFilter, type CaptureFilter } from './filter';
import { ProcessInfoCache } from './process-info';
import { TlsManager, type TlsCounters, type TlsOptions } from './tls/manager';
import {
  captureProbe,
  openNativeSession,
  type CapturePath,
  type NativeCaptureSession,
  type NativeCounters,
  type NativeProgram,
} from './native-session';

export interface SensorOptions {
  filter?: CaptureFilter;
  /** Payload bytes captured per event (default 16384, at most 65536; 0 = none). */
  maxBytes?: number;
  /** Ring buffer size in bytes: a power of two, a multiple of the page size (default 64 MiB). */
  ringBytes?: number;
  /** Wake the reader once this many bytes are pending in the ring (default 256 KiB). */
  wakeupBytes?: number;
  /** 'auto' picks the socket tracepoints when the kernel has them (>= 6.3), else the syscalls. */
  capturePath?: CapturePath;
  /** Bytes per batch handed to JavaScript (default 1 MiB). */
  batchBytes?: number;
  /** Batches waiting for JavaScript before the native reader drops (default 64). */
  maxQueuedBatches?: number;
  /** Reader poll timeout: the latency bound of a quiet ring (default 20 ms). */
  pollMs?: number;
  /** Attach /proc facts (exe, cmdline, ppid, container id) to events (default true). */
  processInfo?: boolean;
  /** Events buffered for async iteration before they are dropped (default 100000). */
  maxBufferedEvents?: number;
  /** Keep kernel BPF run-time statistics on (programs() then reports run counts and time). */
  bpfStats?: boolean;
  /** HTTPS plaintext through OpenSSL uprobes (default true); false: no uprobes, no TLS events. */
  https?: boolean;
  /** How the TLS probes are attached (src/capture/tls/manager.ts). */
  tls?: TlsOptions;
}

export interface SensorCounters extends NativeCounters {
  /** Records the decoder could not read. */
  malformed: number;
  /** Events dropped because the async iterator's consumer fell behind. */
  iteratorDrops: number;
  /** All drops: kernel ring + native queue + iterator. */
  drops: number;
  /** TLS probes (absent when HTTPS capture is off). */
  tls?: TlsCounters;
}

export type BatchListener = (events: CaptureEvent[]) => void;

const RING_MIN = 4096;

export class SensorOptionError extends Error {}

function checkOptions(o: SensorOptions): void {
  const probe = captureProbe();
  if (o.maxBytes !== undefined && (!Number.isInteger(o.maxBytes) || o.maxBytes < 0 || o.maxBytes > probe.maxCaptureBytes)) {
    throw new SensorOptionError(`maxBytes ${o.maxBytes}: must be an integer from 0 to ${probe.maxCaptureBytes}`);
  }
  if (o.ringBytes !== undefined) {
    const r = o.ringBytes;
    if (!Number.isInteger(r) || r < RING_MIN || r > 2 ** 30 || (r & (r - 1)) !== 0) {
      throw new SensorOptionError(`ringBytes ${r}: must be a power of two from ${RING_MIN} to 1 GiB`);
    }
  }
  for (const k of ['wakeupBytes', 'batchBytes', 'maxQueuedBatches', 'pollMs', 'maxBufferedEvents'] as const) {
    const v = o[k];
    if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > 2 ** 31)) {
      throw new SensorOptionError(`${k} ${v}: must be a positive integer`);
    }
  }
  if (o.capturePath !== undefined && !['auto', 'sock-tracepoints', 'syscalls'].includes(o.capturePath)) {
    throw new SensorOptionError(`capturePath ${o.capturePath}: auto, sock-tracepoints or syscalls`);
  }
}

// Open sensors are detached when the process exits (one 'exit' listener for all of them). BPF
// links die with their fds anyway; this also stops the reader threads cleanly.
const openSensors = new Set<Sensor>();
let exitHooked = false;
function trackOpen(s: Sensor): void {
  openSensors.add(s);
  if (!exitHooked) {
    exitHooked = true;
    process.once('exit', () => {
      for (const o of [...openSensors]) o.closeNow();
    });
  }
}

export class Sensor {
  private readonly native: NativeCaptureSession;
  /** The TLS probe manager, when HTTPS capture is on. */
  readonly tls: TlsManager | undefined;
  private readonly listeners = new Set<BatchListener>();
  private readonly procs: ProcessInfoCache | undefined;
  private readonly clock: { monotonicToRealtimeMs: number };
  private readonly maxBuffered: number;
  private malformed = 0;
  private iteratorDrops = 0;
  private closed = false;
  private ended = false;
  private readonly endWaiters: (() => void)[] = [];
  private finalCounters: SensorCounters | undefined;
  // Async iteration state.
  private iterating = false;
  private readonly buffered: CaptureEvent[] = [];
  private bufferedHead = 0;
  private wakeIterator: (() => void) | undefined;

  constructor(opts: SensorOptions = {}) {
    checkOptions(opts);
    const filter = resolveFilter(opts.filter);
    const probe = captureProbe();
    this.clock = { monotonicToRealtimeMs: probe.monotonicToRealtimeMs };
    this.procs = opts.processInfo === false ? undefined : new ProcessInfoCache();
    this.maxBuffered = opts.maxBufferedEvents ?? 100_000;
    this.native = openNativeSession(
      {
        path: opts.capturePath ?? 'auto',
        ringBytes: opts.ringBytes,
        maxBytes: opts.maxBytes,
        wakeupBytes: opts.wakeupBytes,
        batchBytes: opts.batchBytes,
        maxQueuedBatches: opts.maxQueuedBatches,
        pollMs: opts.pollMs,
        bpfStats: opts.bpfStats,
        tls: opts.https !== false,
        extraFamilies: opts.https !== false ? ['pt_tls_'] : undefined,
      },
      (buf, count) => this.onBatch(buf, count),
    );
    try {
      this.native.setFilter(filter);
      this.tls = opts.https !== false ? new TlsManager(this.native, filter, opts.tls) : undefined;
    } catch (err) {
      this.native.close();
      throw err;
    }
    trackOpen(this);
  }

  /** Which capture path the kernel programs use. */
  get capturePath(): 'sock-tracepoints' | 'syscalls' {
    return this.native.capturePath;
  }

  /** Receives every decoded batch; returns a function that unsubscribes. */
  onEvents(listener: BatchListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Replaces the kernel filter at run time. */
  setFilter(filter: CaptureFilter): void {
    const resolved = resolveFilter(filter);
    this.native.setFilter(resolved);
    this.tls?.setFilter(resolved);
  }

  setMaxBytes(n: number): void {
    checkOptions({ maxBytes: n });
    this.native.setMaxBytes(n);
  }

  counters(): SensorCounters {
    if (this.finalCounters) return { ...this.finalCounters };
    return this.withOwnCounters(this.native.counters());
  }

  /** The BPF programs this sensor loaded (ids as bpftool shows them). */
  programs(): NativeProgram[] {
    return this.native.programs();
  }

  /** Detaches the programs, delivers what the kernel had written, frees the BPF object. */
  async close(): Promise<SensorCounters> {
    this.closeNow();
    if (!this.ended) await new Promise<void>((resolve) => this.endWaiters.push(resolve));
    return this.counters();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<CaptureEvent> {
    if (this.iterating) throw new Error('a Sensor supports one async iterator at a time');
    this.iterating = true;
    try {
      for (;;) {
        while (this.bufferedHead < this.buffered.length) {
          const ev = this.buffered[this.bufferedHead++];
          if (this.bufferedHead > 4096 && this.bufferedHead * 2 > this.buffered.length) {
            this.buffered.splice(0, this.bufferedHead);
            this.bufferedHead = 0;
          }
          yield ev;
        }
        if (this.ended) return;
        await new Promise<void>((resolve) => (this.wakeIterator = resolve));
      }
    } finally {
      this.iterating = false;
      this.buffered.length = 0;
      this.bufferedHead = 0;
    }
  }

  /** Detaches at once without waiting for delivery (process exit). */
  closeNow(): void {
    if (this.closed) return;
    this.closed = true;
    openSensors.delete(this);
    this.tls?.close();
    if (!this.native.close()) this.markEnded();
    this.finalCounters = this.withOwnCounters(this.native.counters());
  }

  private withOwnCounters(c: NativeCounters): SensorCounters {
    return {
      ...c,
      malformed: this.malformed,
      iteratorDrops: this.iteratorDrops,
      drops: c.ringDrops + c.queueDropEvents + this.iteratorDrops,
      ...(this.tls ? { tls: this.tls.counters() } : {}),
    };
  }

  private onBatch(buf: Buffer | null, _count: number): void {
    if (buf === null) {
      this.markEnded();
      return;
    }
    if (this.listeners.size === 0 && !this.iterating) return; // nobody to decode for
    const { events, malformed } = decodeBatch(buf, this.clock);
    this.malformed += malformed;
    this.tls?.decorate(events);
    if (this.procs) {
      const now = Date.now();
      for (const ev of events) {
        if (ev.pid !== 0) ev.process = this.procs.get(ev.pid, ev.comm, ev.cgroupId, now);
      }
    }
    for (const l of this.listeners) l(events);
    if (this.iterating) {
      const room = this.maxBuffered - (this.buffered.length - this.bufferedHead);
      if (room >= events.length) {
        for (const ev of events) this.buffered.push(ev);
      } else {
        for (let i = 0; i < Math.max(0, room); i++) this.buffered.push(events[i]);
        this.iteratorDrops += events.length - Math.max(0, room);
      }
      this.wake();
    }
  }

  private markEnded(): void {
    if (this.ended) return;
    this.ended = true;
    this.finalCounters = this.withOwnCounters(this.native.counters());
    for (const w of this.endWaiters.splice(0)) w();
    this.wake();
  }

  private wake(): void {
    const w = this.wakeIterator;
    this.wakeIterator = undefined;
    if (w) w();
  }
}

export { captureProbe };
