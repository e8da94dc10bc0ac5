// pcre:"/regex/flags"; a regular expression, run on RE2. Suricata's buffer flags choose the buffer
// (U uri, I raw uri, P request body, Q response body, H header, D raw header, M method, C cookie,
// S stat code, Y stat msg, V user agent, W host, Z raw host); R is relative to the previous match;
// B and O are accepted and have no effect. Example: pcre:"/\/[a-z]{8}\.php$/Ui";
import RE2 from 're2';
import { RuleSyntaxError, unquote } from '../bytes';
import { translatePcre } from '../pcre-translate';
import { RuleLoadError } from '../errors';
import type { PcreItem } from '../types';
import { registerKeyword, UnsupportedKeyword } from './registry';

const BUFFER_FLAGS: Record<string, string> = {
  U: 'http.uri',
  I: 'http.uri.raw',
  P: 'http.request_body',
  Q: 'http.response_body',
  H: 'http.header',
  D: 'http.header.raw',
  M: 'http.method',
  C: 'http.cookie',
  S: 'http.stat_code',
  Y: 'http.stat_msg',
  V: 'http.user_agent',
  W: 'http.host',
  Z: 'http.host.raw',
};

// Compiled once per distinct pattern: ET repeats many (5,538 pcre, 2,875 distinct). RE2 objects
// without the g flag keep no state between calls, so sharing them is safe.
const memo = new Map<string, RE2 | string>();
function compileMemo(source: string, flags: string): RE2 | string {
  const key = flags + '/' + source;
  let re = memo.get(key);
  if (re === undefined) {
    try {
      re = new RE2(source, flags);
    } catch (e) {
      re = (e as Error).message;
    }
    memo.set(key, re);
  }
  return re;
}

registerKeyword({
  name: 'pcre',
  setup(b, v) {
    if (v === undefined) throw new RuleSyntaxError('pcre needs a value');
    let t = v.trim();
    let negated = false;
    if (t.startsWith('!')) {
      negated = true;
      t = t.slice(1).trim();
    }
    t = unquote(t);
    const first = t.indexOf('/');
    const last = t.lastIndexOf('/');
    if (first !== 0 || last <= first) throw new RuleSyntaxError(`pcre must look like "/regex/flags": ${v}`);
    const body = t.slice(1, last).replace(/\\([;"])/g, '$1');
    const flags = t.slice(last + 1);
    let re2flags = '';
    let relative = false;
    let buffer: string | undefined;
    const tf = { extended: false, anchored: false, ungreedy: false };
    for (const f of flags) {
      if (f === 'i' || f === 's' || f === 'm') {
        if (!re2flags.includes(f)) re2flags += f;
      } else if (f === 'x') tf.extended = true;
      else if (f === 'A') tf.anchored = true;
      else if (f === 'G') tf.ungreedy = true;
      else if (f === 'E' || f === 'B' || f === 'O') {
        /* E: RE2's $ already means end of text; B, O: no effect here */
      } else if (f === 'R') relative = true;
      else if (BUFFER_FLAGS[f]) {
        if (buffer && buffer !== BUFFER_FLAGS[f]) throw new RuleSyntaxError(`pcre has two buffer flags: ${flags}`);
        buffer = BUFFER_FLAGS[f];
      } else throw new UnsupportedKeyword('pcre', `flag ${f}`);
    }
    const source = translatePcre(body, tf);
    const re = compileMemo(source, re2flags);
    if (typeof re === 'string') throw new RuleLoadError('pcre that RE2 cannot compile', `RE2 cannot compile /${body}/: ${re}`);
    const item: PcreItem = { kind: 'pcre', re, negated, relative, source };
    if (buffer) {
      b.addItemTo(buffer, item);
    } else if (relative) b.addRelativeItem(item);
    else b.addItem(item);
  },
});
