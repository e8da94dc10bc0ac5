// One global budget for the bytes that flows hold (out-of-order segments, partial HTTP lines and
// headers, bodies being collected), with least-recently-active eviction when it is exceeded.
// Holders charge and release bytes under the flow id; the owner decides how a flow is evicted.

interface Entry {
  bytes: number;
  /** Touch count when the entry was last moved to the recent end. */
  moved: number;
}

export class MemoryBudget {
  used = 0;
  peak = 0;
  evictions = 0;
  /** Called to evict a flow; must end up releasing everything charged under the id. */
  evictor: (flowId: string) => void = () => {};
  // Map iteration order is insertion order: re-inserting on activity keeps it least-recent first.
  private readonly entries = new Map<string, Entry>();

  constructor(
    readonly cap: number,
    readonly maxFlows = Infinity,
  ) {}

  get flows(): number {
    return this.entries.size;
  }

  private touches = 0;

  /**
   * Marks a flow active. The order is approximate on purpose: an entry moves to the recent end
   * only when at least a quarter of the table was touched since it last moved, so a busy flow
   * costs a map lookup per chunk, not a delete and re-insert.
   */
  touch(id: string): void {
    const t = ++this.touches;
    const e = this.entries.get(id);
    if (!e) {
      this.entries.set(id, { bytes: 0, moved: t });
      return;
    }
    if (t - e.moved <= (this.entries.size >> 2)) return;
    e.moved = t;
    this.entries.delete(id);
    this.entries.set(id, e);
  }

  /** Adds (or with a negative delta, returns) bytes held by a flow. */
  charge(id: string, delta: number): void {
    if (delta === 0) return;
    let e = this.entries.get(id);
    if (!e) {
      e = { bytes: 0, moved: this.touches };
      this.entries.set(id, e);
    }
    e.bytes += delta;
    this.used += delta;
    if (this.used > this.peak) this.peak = this.used;
  }

  bytesOf(id: string): number {
    return this.entries.get(id)?.bytes ?? 0;
  }

  /** Forgets a flow (it ended); whatever it still held is returned to the budget. */
  release(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    this.used -= e.bytes;
    this.entries.delete(id);
  }

  get over(): boolean {
    return this.used > this.cap || this.entries.size > this.maxFlows;
  }

  /**
   * Evicts least-recently-active flows until the budget holds (down to 90% of the cap, so one
   * eviction buys some room), never the flow `keep` (the one being processed right now).
   */
  enforce(keep?: string): void {
    // Evicting ends flows, which can deliver their last bytes and come back here: one at a time.
    if (!this.over || this.enforcing) return;
    this.enforcing = true;
    try {
      this.evictLru(keep);
    } finally {
      this.enforcing = false;
    }
  }

  private enforcing = false;

  private evictLru(keep?: string): void {
    const target = this.cap * 0.9;
    const flowTarget = this.maxFlows === Infinity ? Infinity : Math.floor(this.maxFlows * 0.9);
    for (const id of [...this.entries.keys()]) {
      if (this.used <= target && this.entries.size <= flowTarget) break;
      if (id === keep) continue;
      this.evictions++;
      this.evictor(id);
      this.release(id); // in case the evictor did not
    }
  }
}
