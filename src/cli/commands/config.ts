// `proctap config get|set FILE`: read or replace the configuration of a running agent. `set` sends the
// whole document; the agent rejects an invalid one with the fields named and keeps the running one.
// `proctap config check FILE` validates a file locally without an agent.
import * as fs from 'fs';
import type { Command } from 'commander';
import { UsageError } from '../usage-error';
import { addServerOption, withClient } from '../../agent/cli-support';
import { parseConfigText } from '../../config/load';

function readInput(file: string): string {
  try {
    return fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

export function register(program: Command): void {
  const config = program.command('config').description('get, set or check the agent configuration');
  addServerOption(config.command('get').description('print the configuration in force (YAML, every default filled in)')).action(
    async (o: { server: string }) => {
      const r = await withClient(o.server, (c) => c.getConfig());
      process.stdout.write(`# generation ${r.generation}\n${r.yaml}`);
    },
  );
  addServerOption(
    config
      .command('set')
      .description('replace the configuration with FILE (YAML or JSON; - for stdin); applies live')
      .argument('<file>')
      .option('--if-generation <n>', 'only if the configuration in force has this generation'),
  ).action(async (file: string, o: { server: string; ifGeneration?: string }) => {
    const text = readInput(file);
    const expected = o.ifGeneration === undefined ? 0 : Number(o.ifGeneration);
    if (!Number.isInteger(expected) || expected < 0) throw new UsageError(`--if-generation: a positive integer, got '${o.ifGeneration}'`);
    const r = await withClient(o.server, (c) => c.setConfig({ yaml: text, expected_generation: expected }));
    process.stdout.write(`configuration accepted: generation ${r.generation}\n`);
    for (const n of r.notes) process.stdout.write(`note: ${n}\n`);
  });
  config
    .command('check')
    .description('validate FILE locally (no agent needed); prints every problem with its field')
    .argument('<file>')
    .action((file: string) => {
      const r = parseConfigText(readInput(file), file);
      if (!r.ok) {
        for (const e of r.errors) process.stderr.write(`${e}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`${file}: valid\n`);
    });
}
