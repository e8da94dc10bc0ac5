// Shared parsing for modifiers taking a number or a byte_extract variable (depth, offset, distance, within).
import { parseIntStrict, RuleSyntaxError } from '../bytes';
import type { RuleBuilder } from '../builder';
import type { NumRef } from '../types';

export function parseNumRef(b: RuleBuilder, v: string | undefined, kw: string, allowNegative = false): NumRef {
  if (v === undefined || v.trim() === '') throw new RuleSyntaxError(`${kw} needs a value`);
  const t = v.trim();
  if (/^[A-Za-z_][A-Za-z0-9_.]*$/.test(t)) {
    if (!b.vars.has(t)) throw new RuleSyntaxError(`${kw}: unknown variable ${t}`);
    return { var: t };
  }
  const n = parseIntStrict(t, kw);
  if (n < 0 && !allowNegative) throw new RuleSyntaxError(`${kw} must not be negative`);
  return n;
}
