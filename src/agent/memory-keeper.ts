// Keeps the agent's resident memory near its live size. Two things let RSS grow far past what the
// agent uses: V8 lets the old generation fill with garbage up to ~2x the live heap (the rule sets
// are most of the live heap, so that is 100+ MB) before a major collection, and glibc keeps freed
// pages of its heaps resident (capture batches, Buffers, RE2/Hyperscan work memory). The keeper
// fixes glibc's thresholds once at start, and runs a full collection followed by malloc_trim when
// RSS passes a soft limit or when the agent goes quiet with garbage left over (after a burst).
import * as v8 from 'v8';
import * as vm from 'vm';
import { loadAddon } from '../native/addon';

interface MemoryAddon {
  tune(o: { mmapThreshold?: number; trimThreshold?: number; arenaMax?: number }): boolean;
  trim(): boolean;
}

function memoryAddon(): MemoryAddon | undefined {
  try {
    const m = loadAddon().memory as MemoryAddon | undefined;
    return m && typeof m.trim === 'function' ? m : undefined;
  } catch {
    return undefined;
  }
}

let gcFn: (() => void) | undefined;

/** One full garbage collection (V8's gc exposed once, in a throwaway context). */
export function collectGarbage(): void {
  try {
    if (!gcFn) {
      v8.setFlagsFromString('--expose-gc');
      gcFn = vm.runInNewContext('gc') as () => void;
    }
    gcFn();
  } catch {
    /* only memory is at stake */
  }
}

/**
 * Fixed glibc thresholds: blocks of 256 KiB and more (capture batches, rule files, large Buffers)
 * are mmapped and go back to the system when freed; at most two malloc arenas besides the main one
 * (each thread arena keeps its own free pages). Call before loading rules. False without the addon.
 */
export function tuneMalloc(): boolean {
  return memoryAddon()?.tune({ mmapThreshold: 256 << 10, trimThreshold: 1 << 20, arenaMax: 2 }) ?? false;
}

/** Returns free malloc pages to the system. */
export function trimMalloc(): boolean {
  return memoryAddon()?.trim() ?? false;
}

export interface MemoryKeeperOptions {
  /** Collect when RSS is above this many bytes (default 240 MiB). */
  softLimitBytes?: number;
  /** Check period, ms (default 2000). */
  intervalMs?: number;
  /** Least time between two collections forced by the soft limit, ms (default 10000). */
  minGapMs?: number;
  /** Process CPU share (0..1) under which the agent counts as quiet (default 0.15). */
  quietCpu?: number;
  /** Heap growth since the last collection that is worth collecting when quiet (default 16 MiB). */
  quietGarbageBytes?: number;
}

export interface MemoryKeeperCounters {
  collections: number;
  collectionMs: number;
  trims: number;
}

export class MemoryKeeper {
  private readonly o: Required<MemoryKeeperOptions>;
  private timer: NodeJS.Timeout | undefined;
  private trimTimer: NodeJS.Timeout | undefined;
  private lastCollect = 0;
  private liveAfter = 0;
  private rssAfter = 0;
  private cpu = process.cpuUsage();
  private cpuAt = performance.now();
  readonly counters: MemoryKeeperCounters = { collections: 0, collectionMs: 0, trims: 0 };

  constructor(o: MemoryKeeperOptions = {}) {
    this.o = {
      softLimitBytes: o.softLimitBytes ?? 240 << 20,
      intervalMs: o.intervalMs ?? 2000,
      minGapMs: o.minGapMs ?? 10_000,
      quietCpu: o.quietCpu ?? 0.15,
      quietGarbageBytes: o.quietGarbageBytes ?? 16 << 20,
    };
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.check(), this.o.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.trimTimer) clearTimeout(this.trimTimer);
    this.timer = this.trimTimer = undefined;
  }

  /** Full collection now; malloc_trim a moment later (V8 frees Buffer memory on a helper thread). */
  collect(): void {
    const t0 = performance.now();
    collectGarbage();
    this.counters.collectionMs += performance.now() - t0;
    this.counters.collections++;
    this.lastCollect = performance.now();
    const m = process.memoryUsage();
    this.liveAfter = m.heapUsed;
    this.rssAfter = m.rss;
    if (!this.trimTimer) {
      this.trimTimer = setTimeout(() => {
        this.trimTimer = undefined;
        if (trimMalloc()) this.counters.trims++;
        this.rssAfter = process.memoryUsage.rss();
      }, 300);
      this.trimTimer.unref();
    }
  }

  private check(): void {
    const now = performance.now();
    const cpu = process.cpuUsage(this.cpu);
    const share = (cpu.user + cpu.system) / 1000 / Math.max(1, now - this.cpuAt);
    this.cpu = process.cpuUsage();
    this.cpuAt = now;
    const m = process.memoryUsage();
    const sinceLast = now - this.lastCollect;
    const garbage = m.heapUsed - this.liveAfter;
    // Over the limit: collect only when there is something to win (heap garbage or grown RSS).
    const worth = garbage > 8 << 20 || m.rss > this.rssAfter + (16 << 20);
    if (m.rss > this.o.softLimitBytes && worth && sinceLast >= this.o.minGapMs) this.collect();
    else if (share < this.o.quietCpu && garbage > this.o.quietGarbageBytes && sinceLast >= this.o.intervalMs) this.collect();
  }
}
