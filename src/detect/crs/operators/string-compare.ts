// Shared body of the string comparison operators: the argument is macro-expanded per evaluation;
// with `capture`, TX:0 gets the compared text.
import { registerOperator } from './registry';
import { compileMacro } from '../macro';
import type { Transaction } from '../transaction';

export function registerStringOp(name: string, test: (input: string, arg: string) => boolean): void {
  registerOperator(name, (arg) => {
    const m = compileMacro(arg);
    return {
      name,
      arg,
      evaluate(tx: Transaction, v: { s: string }) {
        const a = m(tx, tx.currentRule);
        const ok = test(v.s, a);
        if (ok && tx.capturing) tx.setCaptures([name === 'within' ? v.s : a]);
        return ok;
      },
    };
  });
}
