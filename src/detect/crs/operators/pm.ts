// @pm: case-insensitive match of any of the space-separated phrases. Example:
//   SecRule REQUEST_HEADERS:User-Agent "@pm nikto sqlmap" "id:1,..."
// The phrases compile into one case-insensitive RE2 alternation of literals: RE2 turns it into
// an automaton scanned in native code, one call per value (faster than a JS Aho-Corasick here).
import RE2 from 're2';
import { registerOperator } from './registry';
import type { Transaction } from '../transaction';
import { bufOf, type TValue } from '../tvalue';
import { fromRe2 } from '../regex/compile';

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
  return {
    name,
    arg,
    evaluate(tx: Transaction, v: TValue) {
      if (v.s.length < minLen) return false;
      if (!tx.capturing) return matcher.test(bufOf(v));
      const m = matcher.exec(bufOf(v)) as unknown as Buffer[] | null;
      if (!m) return false;
      tx.setCaptures([fromRe2(m[0])]);
      return true;
    },
  };
}

registerOperator('pm', (arg) => phraseOperator('pm', arg, arg.split(/\s+/).filter((p) => p !== '')));
