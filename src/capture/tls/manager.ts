// Decides where the TLS uprobes go and keeps them there while processes come and go.
//
// Two ways to attach (option `attach`, default 'auto'):
//  - 'file': one set of probes per library file, for every process; the in-kernel filter selects
//    the targets. Picked when the filter names network namespaces or cgroups, or admits
//    everything: new processes there cannot be known before they run, and a probe already on the
//    file sees a short-lived client (curl) from its first SSL call. Processes that map the same
//    file but are not targets take the uprobe trap and are dropped by the filter (bench/tls-cost).
//  - 'pid': probes per target process (others pay nothing). Picked when the filter is pids and
//    comms only. New matching processes are stopped at exec by the kernel (hold), attached, then
//    continued, so they are captured from their first SSL call too.
// Never attached twice: one attachment per (scope, file), where file is dev:ino and scope is
// 'file' or a pid; a per-pid attachment is skipped when the file already has per-file probes.
import type { CaptureEvent } from '../types';
import type { NativeCaptureSession } from '../native-session';
import {
  filterAdmits,
  inProcessRoot,
  matchingProcesses,
  procFacts,
  systemTlsLibraries,
  tlsExecutableOf,
  tlsLibrariesOfProcess,
  type ResolvedFilter,
  type TlsLibraryFile,
} from './discover';
import { fileIdentity, tlsFunctionOffsets } from './elf-exports';
import { openTlsProbes, type NativeTlsCounters, type NativeTlsProbes, type TlsNotification } from './native-probes';

export type TlsAttachMode = 'file' | 'pid';

export interface TlsOptions {
  /** 'auto' (default): 'file' for netns/cgroup filters or no filter, 'pid' for pid/comm filters. */
  attach?: 'auto' | TlsAttachMode;
  /** More library files (or binaries exporting SSL_*) to probe from the start. */
  libraries?: string[];
  /** pid mode: stop a new matching process at exec until its probes are attached (default true). */
  holdExec?: boolean;
  /** How often exec/exit notifications are read (default 5 ms when holding, else 20 ms). */
  pollMs?: number;
  /** Memory-BIO inference: how recent the socket op must be (default 100 ms). */
  linkWindowMs?: number;
}

export interface TlsAttachment {
  /** 'file' = every process (the kernel filter selects), else the target pid. */
  scope: 'file' | number;
  path: string;
  libraryId: number;
  functions: string[];
  missing: string[];
}

export interface TlsCounters extends NativeTlsCounters {
  attachments: number;
  links: number;
  /** Failed attach attempts per library path. */
  attachFailures: Record<string, number>;
}

const RESCAN_AFTER_EXEC_MS = [30, 300, 2000];
const SWEEP_MS = 2000;

export class TlsManager {
  readonly mode: TlsAttachMode;
  private readonly probes: NativeTlsProbes;
  private filter: ResolvedFilter;
  private readonly opts: TlsOptions;
  private readonly attachments = new Map<string, TlsAttachment & { handle: number }>(); // `${scope}|${key}`
  private readonly libIds = new Map<string, number>(); // file key -> id
  private readonly libPaths = new Map<number, string>(); // id -> path shown in events
  private readonly failures: Record<string, number> = {};
  readonly errors: string[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly held = new Set<number>();
  private poll: NodeJS.Timeout | undefined;
  private sweep: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(native: NativeCaptureSession, filter: ResolvedFilter, opts: TlsOptions = {}) {
    this.opts = opts;
    this.filter = filter;
    this.mode = opts.attach && opts.attach !== 'auto' ? opts.attach : autoMode(filter);
    this.probes = openTlsProbes(native);
    const hold = this.mode === 'pid' && opts.holdExec !== false;
    this.probes.setControl({ notifyExec: true, holdExec: hold, linkWindowMs: opts.linkWindowMs ?? 100 });
    this.probes.startNotify();
    this.initialAttach();
    this.poll = setInterval(() => this.onPoll(), opts.pollMs ?? (hold ? 5 : 20));
    this.poll.unref();
    this.sweep = setInterval(() => this.onSweep(), SWEEP_MS);
    this.sweep.unref();
  }

  /** Library path for an event's library id. */
  libraryPath(id: number): string | undefined {
    return this.libPaths.get(id);
  }

  /** Fills `tlsLibrary` of TLS events. */
  decorate(events: CaptureEvent[]): void {
    for (const e of events) {
      if (e.tlsLibraryId !== undefined) e.tlsLibrary = this.libPaths.get(e.tlsLibraryId);
    }
  }

  list(): TlsAttachment[] {
    return [...this.attachments.values()].map(({ handle: _h, ...a }) => a);
  }

  setFilter(filter: ResolvedFilter): void {
    this.filter = filter;
    if (this.mode === 'pid') for (const pid of matchingProcesses(filter)) this.attachProcess(pid, false);
  }

  counters(): TlsCounters {
    return {
      ...this.probes.counters(),
      attachments: this.attachments.size,
      links: this.probes.linkCount(),
      attachFailures: { ...this.failures },
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.poll) clearInterval(this.poll);
    if (this.sweep) clearInterval(this.sweep);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    // Whatever happens, nothing stays stopped because of us.
    for (const pid of this.held) this.resume(pid);
    try {
      this.onPoll(); // resume processes held since the last poll
    } catch {
      /* session already gone */
    }
    this.probes.close();
    this.attachments.clear();
  }

  private initialAttach(): void {
    const pids = matchingProcesses(this.filter);
    if (this.mode === 'file') {
      for (const lib of systemTlsLibraries()) this.attachFile(lib);
      for (const p of this.opts.libraries ?? []) this.attachFile({ path: p, openPath: p, key: '' });
      for (const pid of pids) this.scanProcess(pid);
    } else {
      for (const p of this.opts.libraries ?? []) for (const pid of pids) this.attachPid(pid, { path: p, openPath: p, key: '' });
      for (const pid of pids) this.attachProcess(pid, false);
    }
  }

  private libraryId(lib: TlsLibraryFile): number {
    let id = this.libIds.get(lib.key);
    if (id === undefined) {
      id = this.libIds.size + 1;
      this.libIds.set(lib.key, id);
      this.libPaths.set(id, lib.path);
    }
    return id;
  }

  private withKey(lib: TlsLibraryFile): TlsLibraryFile | undefined {
    if (lib.key) return lib;
    const st = statKey(lib.openPath);
    if (!st) {
      this.fail(lib.path, `${lib.path}: no such file`);
      return undefined;
    }
    return { ...lib, key: st };
  }

  private fail(p: string, msg: string): void {
    this.failures[p] = (this.failures[p] ?? 0) + 1;
    this.errors.push(msg);
    if (this.errors.length > 100) this.errors.shift();
  }

  private attach(scope: 'file' | number, lib0: TlsLibraryFile): void {
    if (this.closed) return;
    const lib = this.withKey(lib0);
    if (!lib) return;
    if (this.attachments.has(`file|${lib.key}`) || this.attachments.has(`${scope}|${lib.key}`)) return;
    const id = this.libraryId(lib);
    try {
      const offsets = tlsFunctionOffsets(lib.openPath);
      const r = this.probes.attach(scope === 'file' ? -1 : scope, lib.openPath, id, offsets);
      this.attachments.set(`${scope}|${lib.key}`, { scope, path: lib.path, libraryId: id, functions: r.functions, missing: r.missing, handle: r.handle });
    } catch (err) {
      this.fail(lib.path, (err as Error).message);
    }
  }

  private attachFile(lib: TlsLibraryFile): void {
    this.attach('file', lib);
  }

  private attachPid(pid: number, lib: TlsLibraryFile): void {
    this.attach(pid, lib);
    this.probes.watch(pid, true);
  }

  /** file mode: the libraries a process uses get per-file probes. */
  private scanProcess(pid: number): void {
    const exe = tlsExecutableOf(pid);
    if (exe) this.attachFile(exe);
    for (const lib of tlsLibrariesOfProcess(pid)) this.attachFile(lib);
  }

  /** pid mode: probes for this process on its executable, its mapped libssl, and (at exec,
   * before the dynamic loader maps anything) the system libssl files as its root sees them. */
  private attachProcess(pid: number, atExec: boolean): void {
    const exe = tlsExecutableOf(pid);
    if (exe) this.attachPid(pid, exe);
    for (const lib of tlsLibrariesOfProcess(pid)) this.attachPid(pid, lib);
    if (atExec) {
      for (const sys of systemTlsLibraries()) {
        const lib = inProcessRoot(pid, sys);
        if (lib) this.attachPid(pid, lib);
      }
      for (const p of this.opts.libraries ?? []) this.attachPid(pid, { path: p, openPath: `/proc/${pid}/root${p}`, key: '' });
    }
  }

  private detachPid(pid: number): void {
    for (const [k, a] of this.attachments) {
      if (a.scope !== pid) continue;
      this.probes.detach(a.handle);
      this.attachments.delete(k);
    }
    this.probes.watch(pid, false);
  }

  private resume(pid: number): void {
    this.held.delete(pid);
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      /* gone */
    }
  }

  private onExec(n: TlsNotification): void {
    if (n.held) this.held.add(n.pid);
    try {
      const f = procFacts(n.pid);
      if (!f || !filterAdmits(f, this.filter)) return;
      if (this.mode === 'file') this.scanProcess(n.pid);
      else this.attachProcess(n.pid, true);
    } finally {
      if (n.held) this.resume(n.pid);
    }
    // Libraries loaded later (dlopen: python's _ssl) show up in the maps a little after exec.
    for (const ms of RESCAN_AFTER_EXEC_MS) {
      const t = setTimeout(() => {
        this.timers.delete(t);
        if (this.mode === 'file') this.scanProcess(n.pid);
        else if (procFacts(n.pid)) this.attachProcess(n.pid, false);
      }, ms);
      t.unref();
      this.timers.add(t);
    }
  }

  private onPoll(): void {
    for (const n of this.probes.pollNotify()) {
      if (n.kind === 'exec') this.onExec(n);
      else if (this.mode === 'pid') this.detachPid(n.pid);
    }
  }

  /** Backstop for missed exit notifications: drop per-pid probes of processes that are gone. */
  private onSweep(): void {
    const pids = new Set<number>();
    for (const a of this.attachments.values()) if (a.scope !== 'file') pids.add(a.scope);
    for (const pid of pids) {
      try {
        process.kill(pid, 0);
      } catch {
        this.detachPid(pid);
      }
    }
  }
}

function statKey(p: string): string | undefined {
  const id = fileIdentity(p);
  return id ? `${id.dev}:${id.ino}` : undefined;
}

function autoMode(f: ResolvedFilter): TlsAttachMode {
  const inc = f.include;
  const hasInclude = !!inc && !!(inc.pids?.length || inc.comms?.length || inc.netns?.length || inc.cgroups?.length);
  if (!hasInclude) return 'file';
  if (inc!.netns?.length || inc!.cgroups?.length) return 'file';
  return 'pid';
}
