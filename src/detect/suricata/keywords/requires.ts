// requires: version >= 7 < 8 | >= 8.0.1, keyword NAME; the rule loads only on engines meeting it.
// proctap answers as the Suricata 7.0 rule language it implements (ENGINE_VERSION below).
import { RuleSyntaxError } from '../bytes';
import { lookupKeyword, registerKeyword } from './registry';
import { RuleLoadError } from '../errors';

export const ENGINE_VERSION: [number, number, number] = [7, 0, 10];

function cmpVersion(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

function versionOk(expr: string): boolean {
  return expr.split('|').some((alt) => {
    const conds = alt.trim().match(/(>=|<=|>|<|=)\s*([\d.]+)/g);
    if (!conds) throw new RuleSyntaxError(`requires: bad version expression ${expr}`);
    return conds.every((c) => {
      const m = /(>=|<=|>|<|=)\s*([\d.]+)/.exec(c)!;
      const d = cmpVersion(ENGINE_VERSION, m[2].split('.').map(Number));
      return m[1] === '>=' ? d >= 0 : m[1] === '<=' ? d <= 0 : m[1] === '>' ? d > 0 : m[1] === '<' ? d < 0 : d === 0;
    });
  });
}

registerKeyword({
  name: 'requires',
  setup(_b, v) {
    if (!v) throw new RuleSyntaxError('requires needs a value');
    for (const part of v.split(',').map((s) => s.trim())) {
      const sp = part.indexOf(' ');
      const k = sp < 0 ? part : part.slice(0, sp);
      const val = sp < 0 ? '' : part.slice(sp + 1).trim();
      if (k === 'version') {
        if (!versionOk(val)) throw new RuleLoadError('requirements not met', `requires ${part}: engine is ${ENGINE_VERSION.join('.')}`);
      } else if (k === 'keyword') {
        if (!lookupKeyword(val)) throw new RuleLoadError('requirements not met', `requires keyword ${val}`);
      } else if (k !== 'feature') throw new RuleSyntaxError(`requires: unknown requirement ${k}`);
    }
  },
});
