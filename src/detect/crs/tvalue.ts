// A (transformed) value under test, interned per transaction (one object per distinct string).
// Its UTF-8 buffer for RE2, its prefilter summary and the results of transformation steps applied
// to it are made lazily and cached on the object, so equal values in different variables (ARGS:a
// and ARGS_GET:a, a header in two rules) share all of that work.
import * as compileMod from './regex/compile';

// Local bindings: per-value code must not call through import bindings (getters once transpiled).
const { re2Input } = compileMod;

export interface TValue {
  /** latin1 text: one char per byte. */
  s: string;
  buf?: Buffer;
  /** s lower-cased (latin1), for the literal prefilter, once computed. */
  lower?: string;
  /** The raw bytes (latin1), for native calls that take bytes (libinjection). */
  bytes?: Buffer;
  /** charMask(lower), once computed. */
  mask?: number;
  /** steps[t.id]: this value after transformation t (itself when t changes nothing). */
  steps?: Array<TValue | undefined>;
}

export function bufOf(v: TValue): Buffer {
  return v.buf ?? (v.buf = re2Input(v.s));
}

/** All transformed values of a rule's targets, NUL-joined, as RE2 input: an operator that finds
 * nothing here can match none of them (rule-level prefilter). */
export interface JoinedValues {
  buf: Buffer;
}
