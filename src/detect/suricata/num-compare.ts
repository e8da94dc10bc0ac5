// Numeric comparisons shared by bsize, dsize, urilen and stream_size: `N`, `<N`, `>=N`, `!N`, `A<>B`.
import { RuleSyntaxError } from './bytes';
import type { NumCompare } from './types';

export function parseNumCompare(v: string, what: string): NumCompare {
  const s = v.replace(/\s+/g, '');
  let m = /^(\d+)<>(\d+)$/.exec(s);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    if (a >= b) throw new RuleSyntaxError(`${what}: range ${v} is empty`);
    return { op: '<>', a, b };
  }
  m = /^(<=|>=|<|>|!=|!|=)?(\d+)$/.exec(s);
  if (!m) throw new RuleSyntaxError(`${what}: invalid value "${v}"`);
  const op = (m[1] === '!' ? '!=' : m[1] ?? '=') as NumCompare['op'];
  return { op, a: Number(m[2]) };
}

export function numCompare(c: NumCompare, n: number): boolean {
  switch (c.op) {
    case '=':
      return n === c.a;
    case '!=':
      return n !== c.a;
    case '<':
      return n < c.a;
    case '>':
      return n > c.a;
    case '<=':
      return n <= c.a;
    case '>=':
      return n >= c.a;
    case '<>':
      return n > c.a && n < c.b!;
  }
}
