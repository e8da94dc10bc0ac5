// Splits a SecRule operator string ("!@rx foo", "@pm a b", "foo" = implicit @rx).

export interface OperatorText {
  name: string;
  arg: string;
  negated: boolean;
}

export function parseOperatorText(text: string): OperatorText {
  let s = text;
  let negated = false;
  const lead = /^\s*(!?)\s*/.exec(s) as RegExpExecArray;
  if (lead[1] === '!') negated = true;
  s = s.slice(lead[0].length);
  if (!s.startsWith('@')) return { name: 'rx', arg: s, negated };
  const m = /^@([A-Za-z0-9_]+)/.exec(s);
  if (!m) throw new Error(`bad operator "${text}"`);
  let arg = s.slice(m[0].length);
  if (arg.startsWith(' ') || arg.startsWith('\t')) arg = arg.replace(/^[ \t]+/, '');
  return { name: m[1], arg, negated };
}
