// content:"bytes"; / content:!"bytes"; a literal (with |hex| blocks) searched in the current buffer.
// Modifiers that follow (nocase, depth, offset, distance, within, startswith, endswith, fast_pattern)
// change this content. Example: content:"/wp-admin/|2e 2e|"; nocase;
import { asciiLower, parseContentBytes, RuleSyntaxError, unquote } from '../bytes';
import type { RuleBuilder } from '../builder';
import type { ContentItem } from '../types';
import { registerKeyword } from './registry';

export function parseContentValue(v: string | undefined, kw: string): { pattern: Buffer; negated: boolean; text: string } {
  if (v === undefined) throw new RuleSyntaxError(`${kw} needs a value`);
  let t = v.trim();
  let negated = false;
  if (t.startsWith('!')) {
    negated = true;
    t = t.slice(1).trim();
  }
  if (t.startsWith('"') !== t.endsWith('"') || (t.startsWith('"') && t.length < 2)) {
    throw new RuleSyntaxError(`${kw}: unbalanced quotes in ${v}`);
  }
  const body = unquote(t);
  const pattern = parseContentBytes(body);
  if (pattern.length === 0) throw new RuleSyntaxError(`${kw}: empty pattern`);
  // A copy: a slice would keep the whole rule text alive as long as the rule.
  return { pattern, negated, text: body.length < 13 ? body : (JSON.parse(JSON.stringify(body)) as string) };
}

/** The pattern itself when lowercasing changes nothing (most patterns; one Buffer fewer per content). */
function lowered(pattern: Buffer): Buffer {
  const l = asciiLower(pattern);
  return l.equals(pattern) ? pattern : l;
}

export function addContent(b: RuleBuilder, v: string | undefined, kw: string): ContentItem {
  const { pattern, negated, text } = parseContentValue(v, kw);
  const item: ContentItem = {
    kind: 'content',
    pattern,
    lower: lowered(pattern),
    nocase: false,
    negated,
    startswith: false,
    endswith: false,
    text,
  };
  b.addItem(item);
  return item;
}

registerKeyword({
  name: 'content',
  setup(b, v) {
    addContent(b, v, 'content');
  },
});
