// `proctap rule enable|disable ID [--host H]`: turn a rule on or off, globally or for one host.
import type { Command } from 'commander';
import { addServerOption, withClient } from '../../agent/cli-support';
import { UsageError } from '../usage-error';
import type { WireRuleSource } from '../../agent/wire';

interface Opts {
  server: string;
  host?: string;
  source?: string;
}

function action(enabled: boolean) {
  return async (idText: string, o: Opts): Promise<void> => {
    const id = Number(idText);
    if (!/^\d+$/.test(idText) || !Number.isSafeInteger(id) || id <= 0) throw new UsageError(`rule id: a positive integer (CRS id or ET sid), got '${idText}'`);
    let source: WireRuleSource = 'RULE_SOURCE_UNSPECIFIED';
    if (o.source !== undefined) {
      if (o.source !== 'crs' && o.source !== 'et') throw new UsageError(`--source: crs or et, got '${o.source}'`);
      source = o.source === 'crs' ? 'RULE_SOURCE_CRS' : 'RULE_SOURCE_ET';
    }
    const r = await withClient(o.server, (c) => c.setRuleState({ rule_id: id, enabled, host: o.host ?? '', source }));
    process.stdout.write(`rule ${id} ${enabled ? 'enabled' : 'disabled'} ${o.host ? `on host ${o.host}` : 'on every host'}\n`);
    process.stdout.write(`rules off on the agent's host: ${r.disabled_on_this_host.length ? r.disabled_on_this_host.join(', ') : 'none'}\n`);
  };
}

export function register(program: Command): void {
  const rule = program.command('rule').description('turn rules on or off (persisted by the agent)');
  for (const [name, enabled] of [['enable', true], ['disable', false]] as const) {
    const cmd = rule
      .command(name)
      .description(`${name} a rule by id, globally or for one host`)
      .argument('<id>', 'CRS rule id or ET sid')
      .option('--host <name>', 'only for this host (default: every host)')
      .option('--source <src>', 'crs or et (default: the id in either)');
    addServerOption(cmd).action(action(enabled));
  }
}
