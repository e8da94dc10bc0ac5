// Macro expansion (%{tx.score}, %{MATCHED_VAR}, %{REQUEST_HEADERS.host}, %{rule.id}): compiled once
// at load into literal/lookup parts, expanded per transaction.
import type { Transaction } from './transaction';
import type { Rule } from './rule';

export type Macro = (tx: Transaction, rule: Rule) => string;

type Part = string | { name: string; key?: string };

export function hasMacro(text: string): boolean {
  return /%\{[^}]+\}/.test(text);
}

export function compileMacro(text: string): Macro {
  if (!hasMacro(text)) return () => text;
  const parts: Part[] = [];
  const re = /%\{([^}]+)\}/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (m.index > last) parts.push(text.slice(last, m.index));
    const ref = m[1].trim();
    const sep = ref.search(/[.:]/);
    parts.push(sep < 0 ? { name: ref.toUpperCase() } : { name: ref.slice(0, sep).toUpperCase(), key: ref.slice(sep + 1) });
    last = re.lastIndex;
  }
  if (last < text.length) parts.push(text.slice(last));
  return (tx, rule) => {
    let out = '';
    for (const p of parts) out += typeof p === 'string' ? p : tx.macroValue(p.name, p.key, rule);
    return out;
  };
}
