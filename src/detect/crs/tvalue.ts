// A (transformed) value under test. Its UTF-8 buffer for RE2 and its prefilter result are made
// lazily and cached on the object, which the transaction caches per (value, transformation chain).
import { re2Input } from './regex/compile';

export interface TValue {
  /** latin1 text: one char per byte. */
  s: string;
  buf?: Buffer;
  /** Indexes of prefilter patterns that match s, once computed. */
  hits?: Uint8Array;
  /** Which prefilter sets have been run over s. */
  done?: Uint8Array;
}

export function bufOf(v: TValue): Buffer {
  return v.buf ?? (v.buf = re2Input(v.s));
}
