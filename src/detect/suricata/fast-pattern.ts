// Fast pattern selection as Suricata does it: an explicit `fast_pattern` wins; otherwise the
// contents of the highest-priority buffers (app-layer 2 < payload 3 < http.method 4), then the
// longest, then the strongest by byte diversity. Negated contents only count if there are no others.
import type { ContentItem, Rule } from './types';

/** Suricata's pattern strength: new alphabetic bytes 3, new printable/0x00/0x01/0xff 4, other new 6, repeats 1. */
export function patternStrength(p: Buffer): number {
  const seen = new Uint8Array(256);
  let s = 0;
  for (const c of p) {
    if (!seen[c]) {
      if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) s += 3;
      else if ((c >= 0x20 && c <= 0x7e) || c === 0 || c === 1 || c === 0xff) s += 4;
      else s += 6;
      seen[c] = 1;
    } else s++;
  }
  return s;
}

export function selectFastPattern(rule: Rule): Rule['fast'] {
  const cands: Array<{ list: number; c: ContentItem; prio: number }> = [];
  rule.lists.forEach((l, i) => {
    for (const it of l.items) if (it.kind === 'content') cands.push({ list: i, c: it, prio: l.buffer.priority });
  });
  if (!cands.length) return undefined;
  const explicit = cands.find((x) => x.c.fastPattern);
  const pick = (x: { list: number; c: ContentItem }): Rule['fast'] => {
    const chop = x.c.fastPattern?.chop;
    const pattern = chop ? x.c.pattern.subarray(chop[0], chop[0] + chop[1]) : x.c.pattern;
    return { list: x.list, content: x.c, pattern, nocase: x.c.nocase };
  };
  if (explicit) return pick(explicit);
  const positive = cands.filter((x) => !x.c.negated);
  const pool = positive.length ? positive : cands;
  const best = Math.min(...pool.map((x) => x.prio));
  let chosen: (typeof pool)[number] | undefined;
  let chosenStrength = -1;
  for (const x of pool) {
    if (x.prio !== best) continue;
    if (!chosen || x.c.pattern.length > chosen.c.pattern.length) {
      chosen = x;
      chosenStrength = patternStrength(x.c.pattern);
    } else if (x.c.pattern.length === chosen.c.pattern.length) {
      const s = patternStrength(x.c.pattern);
      if (s > chosenStrength) {
        chosen = x;
        chosenStrength = s;
      }
    }
  }
  return chosen ? pick(chosen) : undefined;
}
