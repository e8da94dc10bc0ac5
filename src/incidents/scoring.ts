// One score per HTTP transaction (or raw TCP stream chunk): the points of every enabled rule that
// matched, CRS points as the engine computed them (its anomaly setvar), ET points from the
// configured severity mapping. An incident is due when the score reaches the direction's threshold.
import { categoryOf, isCrsBookkeeping, ALL } from '../config/categories';
import type { ProctapConfig } from '../config/types';
import type { RuleMatch } from '../detect/types';
import type { TrafficDirection, TrafficProtocol } from '../detect/detector';
import type { MatchedRule, Severity } from './types';

export interface ScoreResult {
  rules: MatchedRule[];
  score: number;
  threshold: number;
  reached: boolean;
  /** Matches dropped because the rule is off, its category or source is not selected, or bookkeeping. */
  ignored: number;
}

export function clampSeverity(s: number): Severity {
  if (s <= 1) return 1;
  if (s >= 4) return 4;
  return Math.round(s) as Severity;
}

/** Whether the configuration selects this match's rule for the direction and protocol. */
export function ruleSelected(m: RuleMatch, config: ProctapConfig, direction: TrafficDirection, protocol: TrafficProtocol): boolean {
  if (!config.rules[m.source === 'crs' ? 'crs' : 'et'].enabled) return false;
  const sel = config.rules[direction][protocol][m.source];
  if (sel.includes(ALL)) return true;
  const cat = categoryOf(m);
  return cat !== undefined && sel.includes(cat);
}

export function pointsOf(m: RuleMatch, config: ProctapConfig): number {
  if (m.source === 'et') {
    const p = config.detection.severity_points[String(clampSeverity(m.severity)) as '1' | '2' | '3' | '4'];
    return p ?? m.points;
  }
  return Math.max(0, m.points);
}

/**
 * Scores the matches of one transaction. `disabled` says whether an operator turned the rule off.
 * A rule counts once per transaction even if an engine reports it twice (e.g. in two phases).
 */
export function scoreMatches(
  matches: readonly RuleMatch[],
  config: ProctapConfig,
  direction: TrafficDirection,
  protocol: TrafficProtocol,
  disabled: (m: RuleMatch) => boolean,
): ScoreResult {
  const seen = new Set<string>();
  const rules: MatchedRule[] = [];
  let score = 0;
  let ignored = 0;
  for (const m of matches) {
    const key = `${m.source}:${m.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if ((m.source === 'crs' && isCrsBookkeeping(m.id)) || disabled(m) || !ruleSelected(m, config, direction, protocol)) {
      ignored++;
      continue;
    }
    const points = pointsOf(m, config);
    score += points;
    rules.push({
      source: m.source,
      id: m.id,
      rev: m.rev ?? 0,
      msg: m.msg,
      severity: clampSeverity(m.severity),
      tags: [...m.tags],
      classtype: m.classtype ?? '',
      category: categoryOf(m) ?? '',
      target: m.target,
      matched: m.matched,
      points,
    });
  }
  const threshold = config.detection.thresholds[direction];
  return { rules, score, threshold, reached: rules.length > 0 && score >= threshold, ignored };
}
