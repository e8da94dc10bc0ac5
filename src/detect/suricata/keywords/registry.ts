// The keyword table. Each keyword lives in its own file in this folder and registers itself here
// with `registerKeyword`; the parser looks keywords up by name (case-insensitive).
import type { RuleBuilder } from '../builder';

export interface KeywordDef {
  /** Canonical name, lowercase. */
  name: string;
  aliases?: string[];
  /** Applies the keyword to the rule being built; `value` is the text after ':' (undefined if none). */
  setup(b: RuleBuilder, value: string | undefined): void;
}

const table = new Map<string, KeywordDef>();

export function registerKeyword(def: KeywordDef): void {
  for (const n of [def.name, ...(def.aliases ?? [])]) table.set(n.toLowerCase(), def);
}

export function lookupKeyword(name: string): KeywordDef | undefined {
  return table.get(name.toLowerCase());
}

export function keywordNames(): string[] {
  return [...table.keys()].sort();
}

/** A keyword that the engine knows but cannot evaluate; the rule is reported, not loaded. */
export class UnsupportedKeyword extends Error {
  constructor(public readonly keyword: string, detail?: string) {
    super(`unsupported keyword ${keyword}${detail ? ` (${detail})` : ''}`);
  }
}
