// Shared body of the numeric comparison operators (@eq @ge @gt @lt @le): both sides read as
// integers (non-numbers are 0); the argument may hold macros.
import { registerOperator } from './registry';
import { compileMacro, hasMacro } from '../macro';
import type { Transaction } from '../transaction';

function toInt(s: string): number {
  const n = parseInt(s, 10);
  return Number.isNaN(n) ? 0 : n;
}

export function registerNumeric(name: string, cmp: (a: number, b: number) => boolean): void {
  registerOperator(name, (arg) => {
    const text = arg.trim();
    if (!hasMacro(text)) {
      // a constant (CRS's paranoia-level guards, "@eq 0" defaults): parsed once at load
      const b = toInt(text);
      return { name, arg, evaluate: (_tx: Transaction, v: { s: string }) => cmp(toInt(v.s), b) };
    }
    const m = compileMacro(text);
    return {
      name,
      arg,
      evaluate(tx: Transaction, v: { s: string }) {
        return cmp(toInt(v.s), toInt(m(tx, tx.currentRule)));
      },
    };
  });
}
