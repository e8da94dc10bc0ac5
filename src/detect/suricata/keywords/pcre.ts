// pcre:"/regex/flags"; a regular expression, run on RE2. Suricata's buffer flags choose the buffer
// (U uri, I raw uri, P request body, Q response body, H header, D raw header, M method, C cookie,
// S stat code, Y stat msg, V user agent, W host, Z raw host); R is relative to the previous match;
// B and O are accepted and have no effect. Example: pcre:"/\/[a-z]{8}\.php$/Ui";
// Compiled at load, or (loadRulesAsync) validated by a worker while parsing goes on and compiled
// on first use.
import { RuleLoadError } from '../errors';
import { compilePcre, parsePcreValue, pcreKey } from '../pcre-compile';
import type { PcreItem } from '../types';
import { registerKeyword } from './registry';

/**
 * A flat copy: the translated source is built piece by piece (a deep chain of concatenations that
 * V8 keeps as such), and it lives as long as the rule.
 */
function flat(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string;
}

registerKeyword({
  name: 'pcre',
  setup(b, v) {
    const spec = parsePcreValue(v);
    const item: PcreItem = { kind: 'pcre', negated: spec.negated, relative: spec.relative, source: flat(spec.source), flags: spec.flags };
    const key = pcreKey(item.source, spec.flags);
    const known = b.pcreVerdicts?.get(key);
    if (b.deferPcre) b.pcreKeys.push(key);
    else if (known !== undefined) {
      // Judged before (cache): fail the same way, or compile on first use.
      if (known) throw new RuleLoadError('pcre that RE2 cannot compile', `RE2 cannot compile /${spec.body}/: ${known}`);
    } else {
      const re = compilePcre(spec.source, spec.flags);
      b.pcreVerdicts?.set(key, typeof re === 'string' ? re : '');
      if (typeof re === 'string') throw new RuleLoadError('pcre that RE2 cannot compile', `RE2 cannot compile /${spec.body}/: ${re}`);
      item.re = re;
    }
    if (spec.buffer) b.addItemTo(spec.buffer, item);
    else if (spec.relative) b.addRelativeItem(item);
    else b.addItem(item);
  },
});
