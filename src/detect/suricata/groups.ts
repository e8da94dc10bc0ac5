// Prefilter groups: rules grouped by direction and by the buffer instance of their fast pattern;
// one multi-pattern matcher per group, each pattern mapping to the rules that chose it.
import type { PatternSpec, MultiPattern } from './prefilter';
import type { Direction, InspectList, Rule } from './types';

export interface Group {
  dir: Direction;
  /** The list (buffer instance) whose bytes are scanned; taken from the first rule in the group. */
  list: InspectList;
  side: Direction;
  matcher: MultiPattern;
  /** pattern id -> rule indexes */
  rules: Int32Array[];
}

/**
 * Buffers that are the same bytes share one group (one scan): http.response_body and file.data are
 * both the decoded response body, http.request_body and file.data both the request body.
 */
function canonicalKey(l: InspectList): string {
  if (l.buffer.name === 'http.response_body' || l.buffer.name === 'http.request_body') {
    return l.key.replace(/^http\.(response|request)_body/, 'file.data');
  }
  return l.key;
}

/** A prefilter group before its matcher is built: the patterns and, per pattern, the rules. */
export interface GroupPlan {
  kind: 'http' | 'stream';
  dir: Direction;
  list: InspectList;
  side: Direction;
  specs: PatternSpec[];
  rules: Int32Array[];
}

export function prefilterable(r: Rule): boolean {
  return !!r.fast && !r.fast.content.negated && !r.lists[r.fast.list].absent;
}

/** Groups rules by direction and buffer instance of their fast pattern; one matcher per group. */
export function planGroups(rules: Rule[]): GroupPlan[] {
  const plans: GroupPlan[] = [];
  for (const dir of ['to_server', 'to_client'] as Direction[]) {
    for (const kind of ['http', 'stream'] as const) {
      const byKey = new Map<string, { list: InspectList; side: Direction; pats: Map<string, { spec: PatternSpec; rules: number[] }> }>();
      for (const r of rules) {
        if (r.kind !== kind || !r.dirs.includes(dir) || !prefilterable(r)) continue;
        const l = r.lists[r.fast!.list];
        const side = listSide(l, dir);
        const key = `${canonicalKey(l)}#${side}`;
        let g = byKey.get(key);
        if (!g) byKey.set(key, (g = { list: l, side, pats: new Map() }));
        const pk = (r.fast!.nocase ? 'i:' : 'c:') + r.fast!.pattern.toString('hex');
        let p = g.pats.get(pk);
        if (!p) g.pats.set(pk, (p = { spec: { bytes: r.fast!.pattern, nocase: r.fast!.nocase }, rules: [] }));
        p.rules.push(r.idx);
      }
      for (const g of byKey.values()) {
        const pats = [...g.pats.values()];
        plans.push({ kind, dir, list: g.list, side: g.side, specs: pats.map((p) => p.spec), rules: pats.map((p) => Int32Array.from(p.rules)) });
      }
    }
  }
  return plans;
}

export function listSide(l: InspectList, dir: Direction): Direction {
  return l.dir ?? (l.buffer.dirs.length === 1 ? l.buffer.dirs[0] : dir);
}

