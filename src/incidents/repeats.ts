// Repeat counting: the same process, rules and remote address within the window are one incident
// whose `count` rises, so an attack loop does not bury the console in copies.
import { createHash } from 'crypto';
import type { Incident } from './types';

export function ruleKey(rules: Incident['rules']): string {
  return rules
    .map((r) => `${r.source}:${r.id}`)
    .sort()
    .join(',');
}

/** Keys for repeat counting (with pid) and for masking future repeats (without pid). */
export function incidentKeys(inc: Pick<Incident, 'host' | 'process' | 'connection' | 'rules'>): { repeatKey: string; maskKey: string } {
  const who = `${inc.process.comm}|${inc.process.exe ?? ''}`;
  const where = `${inc.connection.direction}|${inc.connection.remoteAddr}`;
  const rules = ruleKey(inc.rules);
  return {
    repeatKey: `${inc.host}|${inc.process.pid}|${who}|${where}|${rules}`,
    maskKey: `${who}|${where}|${rules}`,
  };
}

/** A stable id: derived from what the incident is and when it was first seen. */
export function incidentId(repeatKey: string, firstSeenMs: number, seq: number): string {
  const h = createHash('sha256').update(`${repeatKey}|${firstSeenMs}|${seq}`).digest('hex');
  return `inc-${h.slice(0, 20)}`;
}

export class RepeatTracker {
  private readonly open = new Map<string, Incident>();

  constructor(private windowMs: number, private readonly maxOpen = 100_000) {}

  setWindow(ms: number): void {
    this.windowMs = ms;
  }

  /** The open incident this one repeats, if its last sighting is within the window. */
  find(repeatKey: string, nowMs: number): Incident | undefined {
    const inc = this.open.get(repeatKey);
    if (!inc) return undefined;
    if (nowMs - inc.lastSeenMs > this.windowMs) {
      this.open.delete(repeatKey);
      return undefined;
    }
    return inc;
  }

  track(inc: Incident): void {
    if (this.windowMs <= 0) return;
    if (this.open.size >= this.maxOpen) this.sweep(inc.lastSeenMs);
    if (this.open.size >= this.maxOpen) {
      // Still full: forget the oldest (Map keeps insertion order).
      const first = this.open.keys().next();
      if (!first.done) this.open.delete(first.value);
    }
    this.open.set(inc.repeatKey, inc);
  }

  private sweep(nowMs: number): void {
    for (const [k, inc] of this.open) if (nowMs - inc.lastSeenMs > this.windowMs) this.open.delete(k);
  }

  get size(): number {
    return this.open.size;
  }
}
