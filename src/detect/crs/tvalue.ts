// A (transformed) value under test. Its UTF-8 buffer for RE2 and its prefilter result are made
// lazily and cached on the object, which the transaction caches per (value, transformation chain).
import { re2Input } from './regex/compile';

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
}

export function bufOf(v: TValue): Buffer {
  return v.buf ?? (v.buf = re2Input(v.s));
}

/** All transformed values of a rule's targets, lower-cased and NUL-joined: an operator that finds
 * nothing here can match none of them (rule-level prefilter). */
export interface JoinedValues {
  lower: string;
  mask: number;
  buf?: Buffer;
}
