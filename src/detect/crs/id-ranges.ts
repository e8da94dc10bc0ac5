// Rule id lists with ranges ("920100 920200-920299"), as SecRuleRemoveById and ctl take them.

export type IdRange = [number, number];

export function parseIdRanges(text: string): IdRange[] {
  const out: IdRange[] = [];
  for (const tok of text.split(/[\s,]+/)) {
    if (tok === '') continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(tok.replace(/^"|"$/g, ''));
    if (!m) throw new Error(`bad rule id or range "${tok}"`);
    out.push([Number(m[1]), Number(m[2] ?? m[1])]);
  }
  return out;
}

export function inRanges(id: number, ranges: readonly IdRange[]): boolean {
  for (const [a, b] of ranges) if (id >= a && id <= b) return true;
  return false;
}
