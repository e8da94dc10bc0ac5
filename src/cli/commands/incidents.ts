// `proctap incidents [--follow] [--json]`: list (and follow) incidents of a running agent.
import type { Command } from 'commander';
import { UsageError } from '../usage-error';
import { addServerOption, withClient } from '../../agent/cli-support';
import { fromWireIncident, wireIncidentToJson } from '../../agent/convert';
import type { WireDirection, WireIncident, WireIncidentFilter, WireRuleSource, WireSeverity } from '../../agent/wire';
import { tableHeader, tableRow } from '../../outputs/table';
import type { IncidentEventKind } from '../../incidents/types';

interface Opts {
  server: string;
  follow?: boolean;
  json?: boolean;
  limit: string;
  minSeverity?: string;
  direction?: string;
  source?: string;
  process?: string[];
  includeMasked?: boolean;
}

const SEVERITIES: Record<string, WireSeverity> = { critical: 'SEVERITY_CRITICAL', high: 'SEVERITY_HIGH', medium: 'SEVERITY_MEDIUM', low: 'SEVERITY_LOW' };

function filterOf(o: Opts): WireIncidentFilter {
  const f: WireIncidentFilter = { include_masked: o.includeMasked ?? false, process_names: o.process ?? [] };
  if (o.minSeverity) {
    const s = SEVERITIES[o.minSeverity];
    if (!s) throw new UsageError(`--min-severity: one of ${Object.keys(SEVERITIES).join(', ')}, got '${o.minSeverity}'`);
    f.min_severity = s;
  }
  if (o.direction) {
    if (o.direction !== 'inbound' && o.direction !== 'outbound') throw new UsageError(`--direction: inbound or outbound, got '${o.direction}'`);
    f.directions = [(o.direction === 'inbound' ? 'DIRECTION_INBOUND' : 'DIRECTION_OUTBOUND') as WireDirection];
  }
  if (o.source) {
    if (o.source !== 'crs' && o.source !== 'et') throw new UsageError(`--source: crs or et, got '${o.source}'`);
    f.sources = [(o.source === 'crs' ? 'RULE_SOURCE_CRS' : 'RULE_SOURCE_ET') as WireRuleSource];
  }
  return f;
}

function print(w: WireIncident, json: boolean, kind: IncidentEventKind = 'raised'): void {
  if (json) process.stdout.write(JSON.stringify(kind === 'raised' || kind === 'replayed' ? wireIncidentToJson(w) : { event: kind, ...wireIncidentToJson(w) }) + '\n');
  else process.stdout.write(tableRow(fromWireIncident(w), kind) + '\n');
}

const KINDS: Record<string, IncidentEventKind> = {
  KIND_RAISED: 'raised',
  KIND_REPEATED: 'repeated',
  KIND_MASKED: 'masked',
  KIND_REPLAYED: 'replayed',
  KIND_UPDATED: 'updated',
};

export function register(program: Command): void {
  const cmd = program
    .command('incidents')
    .description('list the incidents of a running agent (newest last), or follow them live')
    .option('-f, --follow', 'keep the stream open and print incidents as they are raised')
    .option('--json', 'one JSON object per line (bodies base64)')
    .option('-n, --limit <n>', 'how many held incidents to show first', '50')
    .option('--min-severity <sev>', 'critical, high, medium or low')
    .option('--direction <dir>', 'inbound or outbound')
    .option('--source <src>', 'crs or et')
    .option('--process <name...>', 'only these process names (comm)')
    .option('--include-masked', 'show masked incidents too');
  addServerOption(cmd).action(async (o: Opts) => {
    const limit = Number(o.limit);
    if (!Number.isInteger(limit) || limit < 0) throw new UsageError(`--limit: a non-negative integer, got '${o.limit}'`);
    const filter = filterOf(o);
    const json = o.json ?? false;
    await withClient(o.server, async (client) => {
      if (!json) process.stdout.write(tableHeader() + '\n');
      if (!o.follow) {
        const r = await client.listIncidents({ filter, limit });
        for (const w of [...r.incidents].reverse()) print(w, json);
        if (!json && Number(r.total) > r.incidents.length) process.stdout.write(`(${r.incidents.length} of ${r.total} shown; --limit to see more)\n`);
        return;
      }
      const sub = client.subscribe({ filter, replay: limit }, (ev) => {
        if (ev.incident) print(ev.incident, json, KINDS[ev.kind] ?? 'raised');
      });
      const stop = (): void => sub.cancel();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        await sub.done;
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
  });
}
