// Runs a regression suite through the engine and decides each test as ftw does: every expected
// id logged, no forbidden id logged, log regexes against a ModSecurity-style error log.
import type { CrsEngine } from '../engine';
import type { CrsRequest, CrsResponse } from '../types';
import type { RuleMatch } from '../../types';
import type { FtwTest } from './suite';

export interface FtwOutcome {
  id: string;
  passed: boolean;
  statusOnly: boolean;
  detail?: string;
}

export interface FtwRunOptions {
  response?: (req: CrsRequest) => CrsResponse;
  /** Test ids to skip entirely (not counted). */
  skip?: Set<string>;
}

/** Control bytes as ModSecurity's log escapes them (\x0d), so a log entry stays on one line. */
function esc(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x1f\x7f]/g, (c) => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0'));
}

export function logLine(m: RuleMatch): string {
  return `ModSecurity: Warning. Matched "Operator" against variable \`${m.target}' (Value: \`${esc(m.matched)}') [file "rules"] [line "0"] [id "${m.id}"] [rev "${m.rev ?? ''}"] [msg "${esc(m.msg)}"] [data "${esc(m.data ?? '')}"] [severity "${m.severity}"] ${m.tags.map((t) => `[tag "${t}"]`).join(' ')}`;
}

export function runSuite(engine: CrsEngine, tests: FtwTest[], opts: FtwRunOptions = {}): FtwOutcome[] {
  const out: FtwOutcome[] = [];
  for (const t of tests) {
    if (opts.skip?.has(t.id)) continue;
    let passed = true;
    let statusOnly = true;
    const problems: string[] = [];
    for (const st of t.stages) {
      if (st.expect.statusOnly) continue;
      statusOnly = false;
      let matches: RuleMatch[];
      try {
        const ev = engine.evaluate(st.request, opts.response ? opts.response(st.request) : undefined);
        matches = ev.all.matches;
      } catch (err) {
        passed = false;
        problems.push(`error: ${(err as Error).message}`);
        continue;
      }
      const ids = new Set(matches.map((m) => m.id));
      for (const id of st.expect.ids) if (!ids.has(id)) { passed = false; problems.push(`missing ${id}`); }
      for (const id of st.expect.noIds) if (ids.has(id)) { passed = false; problems.push(`unexpected ${id}`); }
      if (st.expect.logRegex.length + st.expect.noLogRegex.length > 0) {
        const log = matches.map(logLine).join('\n');
        for (const r of st.expect.logRegex) if (!new RegExp(r).test(log)) { passed = false; problems.push(`log lacks /${r}/`); }
        for (const r of st.expect.noLogRegex) if (new RegExp(r).test(log)) { passed = false; problems.push(`log has /${r}/`); }
      }
    }
    out.push({ id: t.id, passed: statusOnly ? false : passed, statusOnly, detail: problems.join('; ') || undefined });
  }
  return out;
}
