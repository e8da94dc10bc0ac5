// Typed view of the native TLS probe attacher (native/src/tls_attach.cc).
import { loadAddon } from '../../native/addon';
import type { NativeCaptureSession } from '../native-session';

export interface NativeTlsCounters {
  /** SSL_read/SSL_write(_ex) calls of targets (uprobe entries that passed the filter). */
  calls: number;
  /** Uprobe entries the filter dropped: non-targets that map a per-file probed library. */
  filtered: number;
  events: number;
  /** Plaintext events with no socket known. */
  unlinked: number;
  exact: number;
  inferred: number;
  socketLinks: number;
  frees: number;
  notify: number;
  notifyDrops: number;
  held: number;
  /** Events dropped because the per-CPU scratch was reused while a uprobe program was preempted. */
  scratchRaces: number;
}

export interface TlsNotification {
  kind: 'exec' | 'exit';
  pid: number;
  netns: number;
  cgroupId: bigint;
  comm: string;
  held: boolean;
}

export interface NativeTlsProbes {
  /** offsets: file offsets per function name (libbpf resolves names not given). */
  attach(pid: number, path: string, libId: number, offsets?: Record<string, number>): { handle: number; functions: string[]; missing: string[] };
  detach(handle: number): boolean;
  startNotify(): void;
  setControl(c: { notifyExec: boolean; holdExec: boolean; linkWindowMs?: number }): void;
  pollNotify(): TlsNotification[];
  watch(pid: number, on: boolean): void;
  counters(): NativeTlsCounters;
  linkCount(): number;
  close(): void;
}

/** Prefix of the BPF programs of the TLS family (bpf/capture_tls.bpf.h). */
export const TLS_PROGRAM_PREFIX = 'pt_tls_';

export function openTlsProbes(session: NativeCaptureSession): NativeTlsProbes {
  const a = loadAddon() as unknown as { TlsProbes?: new (programId: number) => NativeTlsProbes };
  if (typeof a.TlsProbes !== 'function') throw new Error('the native addon was built without TLS support (run `make build`)');
  const prog = session.programs().find((p) => p.name.startsWith(TLS_PROGRAM_PREFIX));
  if (!prog) throw new Error('the capture session was opened without the TLS programs');
  return new a.TlsProbes(prog.id);
}
