// @rx: RE2 regular expression (PCRE syntax mapped to RE2). Example:
//   SecRule ARGS "@rx (?i)union\s+select" "id:1,phase:2,capture,..."
// With `capture`, TX:0 gets the match and TX:1..9 the groups. A pattern holding %{macros} is
// compiled per distinct expansion (memoized).
import { registerOperator } from './registry';
import { compileRegex, fromRe2 } from '../regex/compile';
import { bufOf } from '../tvalue';
import { compileMacro, hasMacro } from '../macro';
import type { Transaction } from '../transaction';
import { REWRITES, type Matcher } from '../regex/rewrites';

function run(re: Matcher, tx: Transaction, buf: Buffer): boolean {
  if (!tx.capturing) return re.test(buf);
  const m = re.exec(buf);
  if (!m) return false;
  const groups: string[] = [];
  for (let i = 0; i < m.length && i < 10; i++) {
    const g = m[i];
    groups.push(g === undefined ? '' : fromRe2(g));
  }
  tx.setCaptures(groups);
  return true;
}

function rx(arg: string) {
  if (hasMacro(arg)) {
    const macro = compileMacro(arg);
    return {
      name: 'rx',
      arg,
      evaluate(tx: Transaction, v: { s: string; buf?: Buffer }) {
        return run(compileRegex(macro(tx, tx.currentRule)) as unknown as Matcher, tx, bufOf(v));
      },
    };
  }
  const rewrite = REWRITES.get(arg);
  if (rewrite) {
    const m: Matcher = rewrite.build ? rewrite.build() : (compileRegex(rewrite.pattern as string) as unknown as Matcher);
    return {
      name: 'rx',
      arg,
      evaluate(tx: Transaction, v: { s: string; buf?: Buffer }) {
        return run(m, tx, bufOf(v));
      },
    };
  }
  const re = compileRegex(arg) as unknown as Matcher;
  return {
    name: 'rx',
    arg,
    prefilterPattern: arg,
    evaluate(tx: Transaction, v: { s: string; buf?: Buffer; hits?: Uint8Array }) {
      const idx = tx.prefilterIndex(arg);
      if (idx >= 0 && !tx.prefilterHit(v, idx)) return false;
      return run(re, tx, bufOf(v));
    },
  };
}

registerOperator('rx', rx);
registerOperator('rxGlobal', rx);
