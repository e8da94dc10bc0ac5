// Patterns of the CRS rule files that RE2 cannot compile as written, with our answer for each.
// A rewrite must be faithful: it accepts exactly the inputs the PCRE pattern accepts. Patterns not
// listed here that RE2 rejects make their rule a reported load error (CRS 3.3.4's 942130 needs a
// back-reference, which no automaton can express: it is reported as not loaded).
import type RE2 from 're2';
import { compileRegex } from './compile';

/** What the @rx operator needs from a compiled pattern. */
export interface Matcher {
  test(buf: Buffer): boolean;
  exec(buf: Buffer): Array<Buffer | undefined> | null;
}

export interface Rewrite {
  /** Why the original cannot run on RE2 and why the replacement is equivalent. */
  reason: string;
  /** An RE2 pattern with the same matches, or */
  pattern?: string;
  /** a small matcher built from RE2 pieces (for look-behind). */
  build?: () => Matcher;
}

const ENTITY_BEFORE_SEMICOLON =
  '&(?:[aAoOuUyY]uml|[aAeEiIoOuU]circ|[eEiIoOuUyY]acute|[aAeEiIoOuU]grave|[cC]cedil|[aAnNoO]tilde|amp|apos)\\z';

export const REWRITES = new Map<string, Rewrite>([
  [
    // CRS 3.3.4 920120 (FILES names): a ';' not preceded by one of these HTML entity names, or ' " =.
    `(?<!&(?:[aAoOuUyY]uml)|&(?:[aAeEiIoOuU]circ)|&(?:[eEiIoOuUyY]acute)|&(?:[aAeEiIoOuU]grave)|&(?:[cC]cedil)|&(?:[aAnNoO]tilde)|&(?:amp)|&(?:apos));|['"=]`,
    {
      reason: 'negative look-behind: evaluated as "first [\'\\"=], or first ; whose prefix does not end in one of the entities" with two RE2 patterns',
      build: () => {
        const quote: RE2 = compileRegex(`['"=]`);
        const entityEnd: RE2 = compileRegex(ENTITY_BEFORE_SEMICOLON, 's');
        const first = (buf: Buffer): number => {
          const q = quote.exec(buf);
          const qAt = q ? q.index : -1;
          for (let i = buf.indexOf(0x3b); i >= 0 && (qAt < 0 || i < qAt); i = buf.indexOf(0x3b, i + 1)) {
            if (!entityEnd.test(buf.subarray(0, i))) return i;
          }
          return qAt;
        };
        return {
          test: (buf) => first(buf) >= 0,
          exec: (buf) => {
            const at = first(buf);
            return at < 0 ? null : [buf.subarray(at, at + 1)];
          },
        };
      },
    },
  ],
  [
    // CRS 3.3.4 953120 (response body): PHP open tag that is not an XML declaration.
    '<\\?(?!xml)',
    {
      reason: 'negative look-ahead over a fixed word: spelled out as the alternatives that are not "xml" (TX:0 may include up to 3 following bytes)',
      pattern: '<\\?(?:\\z|[^x]|x(?:\\z|[^m]|m(?:\\z|[^l])))',
    },
  ],
]);
