// Mutable detection state, kept apart from the immutable rule set: flowbits per flow, and the
// counters behind threshold/detection_filter. Both are bounded (oldest entries evicted).
import type { ThresholdSpec } from './types';

const MAX_FLOWS = 200_000;
const MAX_TRACKERS = 200_000;
const MAX_TAILS = 100_000;

export class DetectState {
  private readonly bits = new Map<string, Set<string>>();
  private readonly tails = new Map<string, Buffer>();
  /** flowint values: flow id -> name -> value. */
  private readonly ints = new Map<string, Map<string, number>>();
  /** xbits: "name|host key" -> expiry time (ms; Infinity without expire). */
  private readonly xbits = new Map<string, number>();
  private readonly trackers = new Map<string, { count: number; start: number; alerted: boolean }>();

  flowbits(flowId: string): Set<string> | undefined {
    return this.bits.get(flowId);
  }

  setBit(flowId: string, name: string, on: boolean): void {
    let s = this.bits.get(flowId);
    if (!s) {
      if (!on) return;
      if (this.bits.size >= MAX_FLOWS) this.bits.delete(this.bits.keys().next().value as string);
      s = new Set();
      this.bits.set(flowId, s);
    }
    if (on) s.add(name);
    else s.delete(name);
  }

  endFlow(flowId: string): void {
    this.bits.delete(flowId);
    this.ints.delete(flowId);
    this.tails.delete(flowId + '>');
    this.tails.delete(flowId + '<');
  }

  flowint(flowId: string, name: string): number | undefined {
    return this.ints.get(flowId)?.get(name);
  }

  setFlowint(flowId: string, name: string, value: number): void {
    let m = this.ints.get(flowId);
    if (!m) {
      if (this.ints.size >= MAX_FLOWS) this.ints.delete(this.ints.keys().next().value as string);
      this.ints.set(flowId, (m = new Map()));
    }
    m.set(name, value);
  }

  xbitIsSet(key: string, nowMs: number): boolean {
    const exp = this.xbits.get(key);
    if (exp === undefined) return false;
    if (exp <= nowMs) {
      this.xbits.delete(key);
      return false;
    }
    return true;
  }

  setXbit(key: string, on: boolean, nowMs: number, expireMs?: number): void {
    if (!on) {
      this.xbits.delete(key);
      return;
    }
    if (!this.xbits.has(key) && this.xbits.size >= MAX_TRACKERS) this.xbits.delete(this.xbits.keys().next().value as string);
    this.xbits.set(key, expireMs !== undefined ? nowMs + expireMs : Infinity);
  }

  /** The last bytes of a flow direction's stream, so patterns split across chunks still match. */
  tail(key: string): Buffer | undefined {
    return this.tails.get(key);
  }

  setTail(key: string, b: Buffer): void {
    if (!this.tails.has(key) && this.tails.size >= MAX_TAILS) this.tails.delete(this.tails.keys().next().value as string);
    this.tails.set(key, b);
  }

  /**
   * Counts one match of a rule for a tracked key at time `nowMs` and says whether it alerts:
   * limit = the first `count` in each window; threshold = every `count`-th; both = once when the
   * window reaches `count`; detection_filter = every match after the first `count`.
   */
  allow(key: string, t: ThresholdSpec, nowMs: number): boolean {
    let e = this.trackers.get(key);
    const win = t.seconds * 1000;
    if (!e || nowMs - e.start >= win) {
      if (!e && this.trackers.size >= MAX_TRACKERS) this.trackers.delete(this.trackers.keys().next().value as string);
      e = { count: 0, start: nowMs, alerted: false };
      this.trackers.set(key, e);
    }
    e.count++;
    switch (t.type) {
      case 'limit':
        return e.count <= t.count;
      case 'threshold':
        if (e.count >= t.count) {
          e.count = 0;
          e.start = nowMs;
          return true;
        }
        return false;
      case 'both':
        if (e.count >= t.count && !e.alerted) {
          e.alerted = true;
          return true;
        }
        return false;
      case 'detection_filter':
        return e.count > t.count;
    }
  }

  clear(): void {
    this.bits.clear();
    this.trackers.clear();
    this.tails.clear();
    this.xbits.clear();
    this.ints.clear();
  }
}
