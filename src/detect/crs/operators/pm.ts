// @pm: case-insensitive match of any of the space-separated phrases. Example:
//   SecRule REQUEST_HEADERS:User-Agent "@pm nikto sqlmap" "id:1,..."
// The phrases compile into one case-insensitive RE2 alternation of literals: RE2 turns it into
// an automaton scanned in native code, one call per value (faster than a JS Aho-Corasick here).
import RE2 from 're2';
import { registerOperator } from './registry';
import type { Transaction } from '../transaction';
import * as tvalueMod from '../tvalue';
import type { JoinedValues, TValue } from '../tvalue';
import * as compileMod from '../regex/compile';

// Local bindings: per-value code must not call through import bindings (getters once transpiled).
const { bufOf } = tvalueMod;
const { fromRe2 } = compileMod;

const memo = new Map<string, RE2>();

export function phraseOperator(name: string, arg: string, phrases: string[]) {
  const list = [...new Set(phrases.filter((p) => p !== ''))];
  const src = list.length === 0 ? '[^\\x00-\\x{10ffff}]' : list.map((p) => p.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&')).join('|');
  let re = memo.get(src);
  if (!re) {
    re = new RE2(src, 'is');
    memo.set(src, re);
  }
  const matcher = re;
  // a value shorter than every phrase cannot contain one (many values are short: ids, flags)
  const minLen = list.length === 0 ? Infinity : Math.min(...list.map((p) => p.length));
  // A phrase holds no NUL, so it occurs in the NUL-joined values of a rule's targets iff it occurs
  // in one of them: one scan decides for all.
  const joinable = !list.some((p) => p.includes('\u0000'));
  return {
    name,
    arg,
    mayMatchAny: joinable
      ? (j: JoinedValues): boolean => matcher.exec(j.buf) !== null
      : undefined,
    evaluate(tx: Transaction, v: TValue) {
      if (v.s.length < minLen) return false;
      // exec, not test: on large alternations (the .data files) node-re2's test() runs 50-100x
      // slower than exec() (measured: ~25 us vs ~0.3 us a call on lfi-os-files.data)
      const m = matcher.exec(bufOf(v)) as unknown as Buffer[] | null;
      if (!m) return false;
      if (tx.capturing) tx.setCaptures([fromRe2(m[0])]);
      return true;
    },
  };
}

registerOperator('pm', (arg) => phraseOperator('pm', arg, arg.split(/\s+/).filter((p) => p !== '')));
