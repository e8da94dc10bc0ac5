// What the agent needs from the capture side. The wiring phase wraps the real Sensor (capture) and
// the flow/HTTP pipeline into one CaptureSource; tests use synthetic ones.
import type { HttpTransaction } from '../protocols/http/types';
import type { StreamChunk } from '../flow/types';
import type { ProctapConfig } from '../config/types';
import type { CounterSnapshot } from '../metrics/agent-metrics';
import type { TransactionPhase } from './analyzer';

/** Where the pipeline delivers what it parsed. */
export interface TrafficSink {
  transaction(tx: HttpTransaction, phase?: TransactionPhase): void;
  streamChunk(chunk: StreamChunk): void;
}

export interface ProbeStatus {
  name: string;
  /** tp_btf, raw_tp, uprobe, uretprobe... */
  kind: string;
  target: string;
  attached: boolean;
  error?: string;
}

export interface CaptureSource {
  /** Capture path in use: 'tp_btf', 'syscalls', 'pcap', ... */
  readonly path: string;
  /** Starts delivering traffic to the sink. */
  start(sink: TrafficSink): Promise<void>;
  stop(): Promise<void>;
  /** Applies the parts of a new configuration capture cares about (process filter, https, payload cap, limits). */
  applyConfig?(config: ProctapConfig): void | Promise<void>;
  /** Kernel attachments now. */
  probes?(): ProbeStatus[];
  /** Cumulative counters (events, bytes, drops by stage, BPF program stats, uprobes) plus any others. */
  counters?(): CounterSnapshot & { other?: Record<string, number> };
}
