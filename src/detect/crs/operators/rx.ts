// @rx: RE2 regular expression (PCRE syntax mapped to RE2). Example:
//   SecRule ARGS "@rx (?i)union\s+select" "id:1,phase:2,capture,..."
// With `capture`, TX:0 gets the match and TX:1..9 the groups. A pattern holding %{macros} is
// compiled per distinct expansion (memoized). Static patterns get a required-literal prefilter.
import { registerOperator } from './registry';
import * as compileMod from '../regex/compile';
import * as tvalueMod from '../tvalue';
import type { TValue } from '../tvalue';
import * as literalsMod from '../regex/literals';
import * as pcreToRe2Mod from '../regex/pcre-to-re2';
import * as macroMod from '../macro';
import type { Transaction } from '../transaction';
import * as rewritesMod from '../regex/rewrites';
import type { Matcher } from '../regex/rewrites';

// Local bindings: per-value code must not call through import bindings (getters once transpiled).
const { compileRegex, fromRe2 } = compileMod;
const { bufOf } = tvalueMod;
const { requiredLiterals, charMask } = literalsMod;
const { pcreToRe2 } = pcreToRe2Mod;
const { compileMacro, hasMacro } = macroMod;
const { REWRITES } = rewritesMod;

function run(re: Matcher, tx: Transaction, buf: Buffer): boolean {
  // test() first even when capturing: most values do not match, and exec() (submatch
  // extraction) costs up to 10x more than test() on some CRS patterns
  if (!re.test(buf)) return false;
  if (!tx.capturing) return true;
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
    // the expansion rarely changes between requests: keep the last one's regex at hand
    let lastSrc: string | undefined;
    let lastRe: Matcher | undefined;
    return {
      name: 'rx',
      arg,
      evaluate(tx: Transaction, v: { s: string; buf?: Buffer }) {
        const src = macro(tx, tx.currentRule);
        if (src !== lastSrc || !lastRe) {
          lastRe = compileRegex(src) as unknown as Matcher;
          lastSrc = src;
        }
        return run(lastRe, tx, bufOf(v));
      },
    };
  }
  if (arg === '^.*$') {
    // CRS's "take the whole value" idiom (920450, 901318): with RX_FLAGS (dot matches newline)
    // it always matches all of the value; no regex call is needed to know that.
    return {
      name: 'rx',
      arg,
      evaluate(tx: Transaction, v: TValue) {
        if (tx.capturing) tx.setCaptures([v.s]);
        return true;
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
  // Prefilter: the literals every match must contain (see regex/literals.ts). A value whose
  // lower-cased text holds none of them cannot match, and the RE2 call is skipped.
  const literals = requiredLiterals(pcreToRe2(arg));
  const masks = (literals ?? []).map(charMask);
  return {
    name: 'rx',
    arg,
    prefilterPattern: arg,
    literals,
    literalMasks: masks,
    evaluate(tx: Transaction, v: TValue) {
      if (literals !== undefined && tx.prefilterEnabled) {
        // toLowerCase() lowers latin1 exactly as lowerLatin1() (A-Z, À-Þ but ×) and is much faster
        // on V8's one-byte strings; what it lowers beyond latin1 can only add literal hits, never
        // remove one (literals are latin1), so the prefilter stays sound
        const lower = v.lower ?? (v.lower = v.s.toLowerCase());
        const mask = v.mask ?? (v.mask = charMask(lower));
        let found = false;
        for (let i = 0; i < literals.length; i++) {
          // cheap test first: every character class the literal needs must occur in the value
          if ((masks[i] & mask) === masks[i] && lower.includes(literals[i])) { found = true; break; }
        }
        if (!found) return false;
      }
      return run(re, tx, bufOf(v));
    },
  };
}

registerOperator('rx', rx);
registerOperator('rxGlobal', rx);
