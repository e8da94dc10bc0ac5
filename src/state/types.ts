// What the agent must remember across restarts: operator decisions (masks, rule on/off). Records are
// small and independent, so a key-value file now and SQLite/PostgreSQL tables later hold them alike.
import type { RuleSource } from '../detect/types';

export interface MaskRecord {
  incidentId: string;
  /** Also masks future incidents with the same maskKey. */
  future: boolean;
  /** Process name/exe, direction, remote address and rules of the masked incident. */
  maskKey: string;
  summary: string;
  reason: string;
  atMs: number;
}

export interface RuleStateRecord {
  ruleId: number;
  /** undefined: the id in whichever rule set has it. */
  source?: RuleSource;
  enabled: boolean;
  /** '' for every host. */
  host: string;
  changedAtMs: number;
}

export interface AgentStateData {
  version: 1;
  masks: MaskRecord[];
  rules: RuleStateRecord[];
}

/** Persistence of operator decisions. Async so a database can implement it. */
export interface StateStore {
  load(): Promise<AgentStateData>;
  /** Upsert by incidentId. */
  putMask(m: MaskRecord): Promise<void>;
  /** Upsert by (ruleId, source, host). */
  putRuleState(r: RuleStateRecord): Promise<void>;
  close(): Promise<void>;
}

export function ruleStateKey(r: Pick<RuleStateRecord, 'ruleId' | 'source' | 'host'>): string {
  return `${r.source ?? '*'}:${r.ruleId}@${r.host}`;
}
