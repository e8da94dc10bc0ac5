// Shared parsing of `type X, track by_src, count N, seconds S` (threshold, detection_filter).
import { parseIntStrict, RuleSyntaxError, splitArgs } from '../bytes';
import type { ThresholdSpec } from '../types';

const TRACKS = new Set(['by_src', 'by_dst', 'by_rule', 'by_both', 'by_flow']);
const TYPES = new Set(['limit', 'threshold', 'both']);

export function parseThresholdSpec(v: string | undefined, kw: string, needType: boolean): ThresholdSpec {
  if (!v) throw new RuleSyntaxError(`${kw} needs a value`);
  const spec: Partial<ThresholdSpec> = needType ? {} : { type: 'detection_filter' };
  for (const part of splitArgs(v)) {
    const [k, val] = part.split(/\s+/, 2);
    switch (k) {
      case 'type':
        if (!needType || !TYPES.has(val)) throw new RuleSyntaxError(`${kw}: invalid type ${val}`);
        spec.type = val as ThresholdSpec['type'];
        break;
      case 'track':
        if (!TRACKS.has(val)) throw new RuleSyntaxError(`${kw}: invalid track ${val}`);
        spec.track = val as ThresholdSpec['track'];
        break;
      case 'count':
        spec.count = parseIntStrict(val ?? '', `${kw} count`);
        break;
      case 'seconds':
        spec.seconds = parseIntStrict(val ?? '', `${kw} seconds`);
        break;
      default:
        throw new RuleSyntaxError(`${kw}: unknown option ${k}`);
    }
  }
  if (!spec.type || !spec.track || spec.count === undefined || spec.seconds === undefined) {
    throw new RuleSyntaxError(`${kw} needs type, track, count and seconds: ${v}`);
  }
  return spec as ThresholdSpec;
}
