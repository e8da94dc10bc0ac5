// Numeric comparisons @eq @ge @gt @lt @le: both sides read as integers (non-numbers are 0);
// the argument may hold macros. Example: SecRule &ARGS "@gt %{tx.max_num_args}" ...
import { registerOperator } from './registry';
import { compileMacro } from '../macro';
import type { Transaction } from '../transaction';

function toInt(s: string): number {
  const n = parseInt(s, 10);
  return Number.isNaN(n) ? 0 : n;
}

function numeric(name: string, cmp: (a: number, b: number) => boolean) {
  registerOperator(name, (arg) => {
    const m = compileMacro(arg.trim());
    return {
      name,
      arg,
      evaluate(tx: Transaction, v: { s: string }) {
        return cmp(toInt(v.s), toInt(m(tx, tx.currentRule)));
      },
    };
  });
}

numeric('eq', (a, b) => a === b);
numeric('ge', (a, b) => a >= b);
numeric('gt', (a, b) => a > b);
numeric('lt', (a, b) => a < b);
numeric('le', (a, b) => a <= b);
