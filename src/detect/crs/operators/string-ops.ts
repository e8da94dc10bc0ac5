// String comparisons, argument macro-expanded: @streq (equal), @contains, @containsWord,
// @beginsWith, @endsWith, @strmatch, @within (the input is a substring of the argument).
// Example: SecRule REQUEST_METHOD "!@within %{tx.allowed_methods}" ...
import { registerOperator } from './registry';
import { compileMacro } from '../macro';
import type { Transaction } from '../transaction';

function stringOp(name: string, test: (input: string, arg: string) => boolean, capture = true) {
  registerOperator(name, (arg) => {
    const m = compileMacro(arg);
    return {
      name,
      arg,
      evaluate(tx: Transaction, v: { s: string }) {
        const a = m(tx, tx.currentRule);
        const ok = test(v.s, a);
        if (ok && capture && tx.capturing) tx.setCaptures([name === 'within' ? v.s : a]);
        return ok;
      },
    };
  });
}

stringOp('streq', (s, a) => s === a);
stringOp('contains', (s, a) => s.includes(a));
stringOp('strmatch', (s, a) => s.includes(a));
stringOp('beginsWith', (s, a) => s.startsWith(a));
stringOp('endsWith', (s, a) => s.endsWith(a));
stringOp('within', (s, a) => a.includes(s));
stringOp('containsWord', (s, a) => {
  if (a === '') return true;
  let from = 0;
  for (;;) {
    const i = s.indexOf(a, from);
    if (i < 0) return false;
    const before = i === 0 ? '' : s[i - 1];
    const after = s[i + a.length] ?? '';
    if (!/\w/.test(before) && !/\w/.test(after)) return true;
    from = i + 1;
  }
});
