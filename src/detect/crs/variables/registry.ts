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
  /** Per-transaction cache of transformed values, by transformation-chain key. */
  cache?: Map<string, TValue>;
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
  if (spec.keyRe) {
    const re = spec.keyRe;
    return entries.filter((e) => re.test(Buffer.from(e.key, 'utf8')));
  }
  return entries;
}

/** A scalar variable: one entry, or none when the value is absent. */
export function scalar(name: string, value: string | undefined): Entry[] {
  return value === undefined ? [] : [{ key: '', value, name }];
}
