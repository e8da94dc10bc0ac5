// @pm: case-insensitive match of any of the space-separated phrases. Example:
//   SecRule REQUEST_HEADERS:User-Agent "@pm nikto sqlmap" "id:1,..."
import { registerOperator } from './registry';
import { AhoCorasick } from './aho-corasick';
import type { Transaction } from '../transaction';

export function phraseOperator(name: string, arg: string, phrases: string[]) {
  const ac = new AhoCorasick(phrases);
  return {
    name,
    arg,
    evaluate(tx: Transaction, v: { s: string }) {
      const m = ac.search(v.s);
      if (m === undefined) return false;
      if (tx.capturing) tx.setCaptures([m]);
      return true;
    },
  };
}

registerOperator('pm', (arg) => phraseOperator('pm', arg, arg.split(/\s+/).filter((p) => p !== '')));
