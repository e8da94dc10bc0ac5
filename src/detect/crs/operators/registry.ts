// The table of SecLang operators. Each operator is one file in this folder that calls
// registerOperator(); adding an operator touches one new file (plus its import in index.ts).
import type { Transaction } from '../transaction';
import type { JoinedValues, TValue } from '../tvalue';

export interface OperatorContext {
  file: string;
  line: number;
  /** Directory of the rule file, for @pmFromFile and friends. */
  dir: string;
}

export interface Operator {
  name: string;
  /** The argument as written (for messages). */
  arg: string;
  evaluate(tx: Transaction, input: TValue): boolean;
  /** The static regex, when the operator has one. */
  prefilterPattern?: string;
  /** Literals one of which every match contains (rx prefilter), when known. */
  literals?: string[];
  /** charMask() of each literal. */
  literalMasks?: number[];
  /** false when no value of the joined set can match (a cheap whole-rule check), else true. */
  mayMatchAny?(joined: JoinedValues): boolean;
}

export type OperatorFactory = (arg: string, ctx: OperatorContext) => Operator;

const table = new Map<string, OperatorFactory>();

export function registerOperator(name: string, factory: OperatorFactory): void {
  table.set(name.toLowerCase(), factory);
}

export function createOperator(name: string, arg: string, ctx: OperatorContext): Operator {
  const f = table.get(name.toLowerCase());
  if (!f) throw new Error(`unknown operator @${name}`);
  const o = f(arg, ctx);
  // one object shape for every operator (operators are closures and do not use `this`)
  return {
    name: o.name,
    arg: o.arg,
    evaluate: o.evaluate,
    prefilterPattern: o.prefilterPattern,
    literals: o.literals,
    literalMasks: o.literalMasks,
    mayMatchAny: o.mayMatchAny,
  };
}
