// Incidents held in memory (newest kept, oldest dropped beyond `keep`) and the fan-out of incident
// events to subscribers (gRPC streams, EVE file, console table).
import { matchesFilter, type Incident, type IncidentEvent, type IncidentFilter } from '../incidents/types';

export type IncidentListener = (ev: IncidentEvent) => void;

interface Subscription {
  filter: IncidentFilter;
  fn: IncidentListener;
}

export class IncidentStore {
  // Map keeps insertion order: oldest first.
  private readonly byId = new Map<string, Incident>();
  private readonly subs = new Set<Subscription>();
  private readonly maskedIds = new Set<string>();
  private evicted = 0;

  constructor(private keep: number) {}

  setKeep(keep: number): void {
    this.keep = keep;
    this.trim();
  }

  get(id: string): Incident | undefined {
    return this.byId.get(id);
  }

  get size(): number {
    return this.byId.size;
  }

  get masked(): number {
    return this.maskedIds.size;
  }

  /** Incidents dropped from memory because more than `keep` were held. */
  get evictedCount(): number {
    return this.evicted;
  }

  /** Adds or replaces an incident and tells subscribers what happened. */
  publish(ev: IncidentEvent): void {
    const id = ev.incident.id;
    // Re-insert so the Map's order stays "least recently changed first".
    this.byId.delete(id);
    this.byId.set(id, ev.incident);
    if (ev.incident.masked) this.maskedIds.add(id);
    else this.maskedIds.delete(id);
    this.trim();
    for (const s of this.subs) {
      // A mask event reaches subscribers that asked for masked incidents, and those that saw it raised.
      const f = ev.kind === 'masked' ? { ...s.filter, includeMasked: true } : s.filter;
      if (!matchesFilter(ev.incident, f)) continue;
      try {
        s.fn(ev);
      } catch {
        // One broken subscriber must not stop the others or the pipeline.
      }
    }
  }

  /** Newest first. */
  list(filter: IncidentFilter, limit: number): { incidents: Incident[]; total: number } {
    const out: Incident[] = [];
    let total = 0;
    const all = [...this.byId.values()];
    for (let i = all.length - 1; i >= 0; i--) {
      if (!matchesFilter(all[i], filter)) continue;
      total++;
      if (out.length < limit) out.push(all[i]);
    }
    return { incidents: out, total };
  }

  /** The last `n` matching incidents, oldest first (for replay to a new subscriber). */
  recent(filter: IncidentFilter, n: number): Incident[] {
    return this.list(filter, n).incidents.reverse();
  }

  subscribe(filter: IncidentFilter, fn: IncidentListener): () => void {
    const s: Subscription = { filter, fn };
    this.subs.add(s);
    return () => {
      this.subs.delete(s);
    };
  }

  get subscribers(): number {
    return this.subs.size;
  }

  private trim(): void {
    while (this.byId.size > this.keep) {
      const first = this.byId.entries().next();
      if (first.done) break;
      this.maskedIds.delete(first.value[0]);
      this.byId.delete(first.value[0]);
      this.evicted++;
    }
  }
}
