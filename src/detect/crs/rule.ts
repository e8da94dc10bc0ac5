// A compiled SecLang rule. Rules are built once at load and never changed afterwards; everything
// that varies per request lives in the Transaction.
import type { VariableSpec } from './parser/variables';
import type { Operator } from './operators/registry';
import type { Transformation } from './transformations/registry';
import type { Transaction } from './transaction';

/** A non-disruptive action run each time the rule matches a value (setvar, ctl, ...). */
export interface RuntimeAction {
  name: string;
  run(tx: Transaction, rule: Rule): void;
}

export interface Rule {
  id: number;
  phase: number;
  file: string;
  line: number;
  /** The chain starter of this rule (itself for a starter). */
  starter: Rule;
  /** The next rule of the chain, when this rule has the `chain` action. */
  next?: Rule;
  hasChain: boolean;
  /** SecMarker name when this entry is a marker. */
  marker?: string;
  /** SecAction: no targets, always matches. */
  unconditional: boolean;
  targets: VariableSpec[];
  exclusions: VariableSpec[];
  /** targetExclusions[i]: the exclusions that apply to targets[i] (same variable), set at load. */
  targetExclusions: VariableSpec[][];
  /** Key shared by rules with the same targets and exclusions over request data that does not
   * change while a phase runs: their collected entries are reused within the transaction. */
  targetKey?: string;
  /** targetKey + transformation chain: key of the rule-level prefilter's joined values. */
  joinKey?: string;
  /** Dense numbers of targetKey and joinKey within the rule set (-1: none): the transaction's
   * caches are arrays indexed by them, not maps keyed by the strings. */
  targetSlot: number;
  joinSlot: number;
  operator?: Operator;
  negated: boolean;
  transforms: Transformation[];
  /** Stable key of the transformation chain (part of joinKey). */
  transformKey: string;
  multiMatch: boolean;
  capture: boolean;
  log?: boolean;
  msg?: string;
  logdata?: string;
  severity?: number;
  tags: string[];
  ver?: string;
  rev?: string;
  maturity?: number;
  accuracy?: number;
  disruptive?: string;
  status?: number;
  actions: RuntimeAction[];
  skipAfter?: string;
  skip?: number;
  /** Highest paranoia level tag (paranoia-level/N), when the rule carries one. */
  paranoia?: number;
  /** Base name of the rule file, e.g. REQUEST-942-APPLICATION-ATTACK-SQLI. */
  category: string;
  /** True for rules the engine synthesises (e.g. the --paranoia override). */
  internal?: boolean;
}

export function newRule(file: string, line: number, category: string): Rule {
  // Every field is set here, in one order, so that all rules share one object shape: the
  // evaluation loop then reads rule fields through monomorphic property accesses.
  const r: Rule = {
    id: 0,
    phase: 2,
    file,
    line,
    starter: undefined as unknown as Rule,
    next: undefined,
    hasChain: false,
    marker: undefined,
    unconditional: false,
    targets: [],
    exclusions: [],
    targetExclusions: [],
    targetKey: undefined,
    joinKey: undefined,
    targetSlot: -1,
    joinSlot: -1,
    operator: undefined,
    negated: false,
    transforms: [],
    transformKey: '',
    multiMatch: false,
    capture: false,
    log: undefined,
    msg: undefined,
    logdata: undefined,
    severity: undefined,
    tags: [],
    ver: undefined,
    rev: undefined,
    maturity: undefined,
    accuracy: undefined,
    disruptive: undefined,
    status: undefined,
    actions: [],
    skipAfter: undefined,
    skip: undefined,
    paranoia: undefined,
    category,
    internal: undefined,
  };
  r.starter = r;
  return r;
}

export const SEVERITIES: Record<string, number> = {
  EMERGENCY: 0, ALERT: 1, CRITICAL: 2, ERROR: 3, WARNING: 4, NOTICE: 5, INFO: 6, DEBUG: 7,
};
