// The table of SecLang variables. A resolver returns the entries a target names; collections
// select by literal key (case-insensitive) or regex key. Each variable group is one file in this
// folder that calls registerVariable().
import type { VariableSpec } from '../parser/variables';
import type { Transaction } from '../transaction';
import type { TValue } from '../tvalue';

/** One value of a variable (an entry of a collection, or a scalar). */
export interface Entry {
  /** Collection key ('' for scalars). */
  key: string;
  value: string;
  /** Full name as logged, e.g. ARGS:id or REQUEST_URI. */
  name: string;
  /** The value interned in the transaction (set on first use); transformed values hang off it. */
  tv?: TValue;
}

export type Resolver = (tx: Transaction, spec: VariableSpec) => Entry[];

const table = new Map<string, Resolver>();

export function registerVariable(name: string, resolver: Resolver): void {
  table.set(name.toUpperCase(), resolver);
}

export function getResolver(name: string): Resolver | undefined {
  return table.get(name.toUpperCase());
}

/** Selects a collection's entries by the spec's key or regex key. */
export function selectEntries(entries: Entry[], spec: VariableSpec): Entry[] {
  if (spec.key !== undefined) {
    const k = spec.key.toLowerCase();
    return entries.filter((e) => e.key.toLowerCase() === k);
  }
  if (spec.keyRe) return entries.filter((e) => keyMatches(spec, e.key));
  return entries;
}

// Regex-key results per (spec, key): the same TX, cookie and argument names come back rule after
// rule and request after request, so a bounded memo saves most RE2 calls on keys.
const keyMemo = new WeakMap<VariableSpec, Map<string, boolean>>();

export function keyMatches(spec: VariableSpec, key: string): boolean {
  let m = keyMemo.get(spec);
  if (!m) {
    m = new Map();
    keyMemo.set(spec, m);
  }
  let r = m.get(key);
  if (r === undefined) {
    r = (spec.keyRe as NonNullable<VariableSpec['keyRe']>).test(Buffer.from(key, 'utf8'));
    if (m.size > 4096) m.clear();
    m.set(key, r);
  }
  return r;
}

/** A scalar variable: one entry, or none when the value is absent. */
export function scalar(name: string, value: string | undefined): Entry[] {
  return value === undefined ? [] : [{ key: '', value, name, tv: undefined }];
}
