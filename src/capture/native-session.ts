// Typed view of the native capture exports (native/src/capture_session.cc).
import { loadAddon } from '../native/addon';

export type CapturePath = 'auto' | 'sock-tracepoints' | 'syscalls';

export interface NativeFilterSet {
  pids?: number[];
  comms?: string[];
  cgroups?: bigint[];
  netns?: number[];
}

export interface NativeSessionOptions {
  path?: CapturePath;
  ringBytes?: number;
  maxBytes?: number;
  wakeupBytes?: number;
  batchBytes?: number;
  maxQueuedBatches?: number;
  pollMs?: number;
  tls?: boolean;
  /** Keep kernel BPF run-time statistics on while open (host-wide; a few ns per program run). */
  bpfStats?: boolean;
  /** Program name prefixes of other probe families to load (they attach themselves). */
  extraFamilies?: string[];
}

/** Kernel (per-CPU, summed) and native-stage counters. */
export interface NativeCounters {
  events: number;
  bytes: number;
  ringDrops: number;
  ringDropBytes: number;
  filtered: number;
  readFaults: number;
  noPayload: number;
  truncated: number;
  tlsEvents: number;
  /** Syscalls path: TCP I/O whose syscall entry was not seen (began before attach; table full). */
  syscallMisses: number;
  deliveredBatches: number;
  deliveredEvents: number;
  queueDropBatches: number;
  queueDropEvents: number;
  queueDropBytes: number;
  queuedBatches: number;
}

export interface NativeProgram {
  name: string;
  id: number;
  linkId: number;
  /** Runs and total run time; they advance only while BPF statistics are enabled (bpfStats). */
  runCount: number;
  runTimeNs: number;
}

export interface NativeCaptureSession {
  readonly capturePath: 'sock-tracepoints' | 'syscalls';
  setFilter(f: { include?: NativeFilterSet; exclude?: NativeFilterSet }): void;
  setMaxBytes(n: number): void;
  counters(): NativeCounters;
  programs(): NativeProgram[];
  /** true when onBatch(null, 0) will still follow (the end of the stream). */
  close(): boolean;
}

export interface CaptureProbe {
  sockTracepoints: boolean;
  monotonicToRealtimeMs: number;
  eventHeaderBytes: number;
  eventVersion: number;
  maxCaptureBytes: number;
}

interface CaptureAddon {
  CaptureSession: new (
    opts: NativeSessionOptions,
    onBatch: (buf: Buffer | null, count: number) => void,
  ) => NativeCaptureSession;
  captureProbe: () => CaptureProbe;
}

function addon(): CaptureAddon {
  const a = loadAddon() as unknown as Partial<CaptureAddon>;
  if (typeof a.CaptureSession !== 'function' || typeof a.captureProbe !== 'function') {
    throw new Error('the native addon was built without capture support (run `make build`)');
  }
  return a as CaptureAddon;
}

export function openNativeSession(
  opts: NativeSessionOptions,
  onBatch: (buf: Buffer | null, count: number) => void,
): NativeCaptureSession {
  return new (addon().CaptureSession)(opts, onBatch);
}

export function captureProbe(): CaptureProbe {
  return addon().captureProbe();
}
