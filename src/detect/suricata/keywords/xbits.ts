// xbits:set|unset|toggle|isset|isnotset,NAME,track ip_src|ip_dst|ip_pair[,expire SECONDS];
// named bits kept per host or host pair across flows (e.g. a probe then its follow-up).
// Example: xbits:set,ET.proxytoken.500,track ip_src,expire 30;
import { parseIntStrict, RuleSyntaxError } from '../bytes';
import type { XbitsOp } from '../types';
import { registerKeyword } from './registry';

const CMDS = new Set(['set', 'unset', 'toggle', 'isset', 'isnotset']);
const TRACKS = new Set(['ip_src', 'ip_dst', 'ip_pair']);

registerKeyword({
  name: 'xbits',
  setup(b, v) {
    const parts = (v ?? '').split(',').map((s) => s.trim());
    const cmd = parts[0]?.toLowerCase();
    if (cmd === 'noalert' && parts.length === 1) {
      b.noalert = true;
      return;
    }
    if (!CMDS.has(cmd)) throw new RuleSyntaxError(`xbits: unknown command ${parts[0]}`);
    const name = parts[1];
    if (!name) throw new RuleSyntaxError(`xbits:${cmd} needs a name`);
    let track: XbitsOp['track'] | undefined;
    let expireMs: number | undefined;
    for (const p of parts.slice(2)) {
      const [k, val] = p.split(/\s+/, 2);
      if (k === 'track' && TRACKS.has(val)) track = val as XbitsOp['track'];
      else if (k === 'expire') expireMs = parseIntStrict(val ?? '', 'xbits expire') * 1000;
      else throw new RuleSyntaxError(`xbits: unknown option ${p}`);
    }
    if (!track) throw new RuleSyntaxError('xbits needs track ip_src, ip_dst or ip_pair');
    b.xbits.push({ cmd: cmd as XbitsOp['cmd'], name, track, expireMs });
  },
});
