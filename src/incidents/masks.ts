// Operator masks: an incident marked as a false positive, and optionally its future repeats (same
// process name/exe, direction, remote address and rules), remembered in the state store.
import type { MaskRecord, StateStore } from '../state/types';
import type { Incident } from './types';

export class MaskBook {
  private readonly byId = new Map<string, MaskRecord>();
  private readonly futureKeys = new Set<string>();

  constructor(private readonly store: StateStore, records: readonly MaskRecord[]) {
    for (const r of records) this.index(r);
  }

  private index(r: MaskRecord): void {
    this.byId.set(r.incidentId, r);
    if (r.future) this.futureKeys.add(r.maskKey);
  }

  /** Whether a new incident is masked already (its id was masked, or a future mask covers it). */
  covers(inc: Pick<Incident, 'id' | 'maskKey'>): boolean {
    return this.byId.has(inc.id) || this.futureKeys.has(inc.maskKey);
  }

  async mask(inc: Incident, future: boolean, reason: string, nowMs: number): Promise<MaskRecord> {
    const prev = this.byId.get(inc.id);
    const rec: MaskRecord = {
      incidentId: inc.id,
      future: future || (prev?.future ?? false),
      maskKey: inc.maskKey,
      summary: inc.summary,
      reason: reason || prev?.reason || '',
      atMs: nowMs,
    };
    await this.store.putMask(rec);
    this.index(rec);
    return rec;
  }

  get records(): MaskRecord[] {
    return [...this.byId.values()];
  }
}
