// Rule on/off decisions, global or for one host, plus `rules.disabled` of the configuration. A
// host-specific decision overrides the global one for that host; the configuration list always wins.
import type { RuleSource } from '../detect/types';
import { ruleStateKey, type RuleStateRecord, type StateStore } from '../state/types';

export class RuleStateBook {
  private readonly records = new Map<string, RuleStateRecord>();

  constructor(private readonly store: StateStore, records: readonly RuleStateRecord[], private readonly host: string) {
    for (const r of records) this.records.set(ruleStateKey(r), r);
  }

  async set(r: Omit<RuleStateRecord, 'changedAtMs'>, nowMs: number): Promise<RuleStateRecord> {
    const rec: RuleStateRecord = { ...r, changedAtMs: nowMs };
    await this.store.putRuleState(rec);
    this.records.set(ruleStateKey(rec), rec);
    return rec;
  }

  all(): RuleStateRecord[] {
    return [...this.records.values()];
  }

  /**
   * The rules off on this host, as `source:id` strings ('*:id' when the decision named no source).
   * `configDisabled` are the ids of `rules.disabled` (any source).
   */
  disabledHere(configDisabled: readonly number[]): Set<string> {
    const decided = new Map<string, boolean>();
    // Global first, then this host's decisions override them.
    for (const pass of ['global', 'host'] as const) {
      for (const r of this.records.values()) {
        const applies = pass === 'global' ? r.host === '' : r.host === this.host;
        if (applies) decided.set(`${r.source ?? '*'}:${r.ruleId}`, r.enabled);
      }
    }
    const off = new Set<string>();
    for (const [k, enabled] of decided) if (!enabled) off.add(k);
    for (const id of configDisabled) off.add(`*:${id}`);
    return off;
  }
}

/** A predicate over matches from a disabled set built by disabledHere(). */
export function isDisabledIn(off: ReadonlySet<string>, source: RuleSource, id: number): boolean {
  return off.has(`*:${id}`) || off.has(`${source}:${id}`);
}

/** The ids one engine must skip. */
export function idsForSource(off: ReadonlySet<string>, source: RuleSource): Set<number> {
  const ids = new Set<number>();
  for (const k of off) {
    const [s, id] = k.split(':');
    if (s === '*' || s === source) ids.add(Number(id));
  }
  return ids;
}
