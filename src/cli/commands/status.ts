// `proctap status`: version, capture path, probes, counters and rule load report of a running agent.
import type { Command } from 'commander';
import { addServerOption, formatStatus, withClient } from '../../agent/cli-support';

export function register(program: Command): void {
  const cmd = program.command('status').description('show the state of a running agent').option('--json', 'print the GetStatus response as JSON');
  addServerOption(cmd).action(async (o: { server: string; json?: boolean }) => {
    const s = await withClient(o.server, (c) => c.getStatus());
    process.stdout.write((o.json ? JSON.stringify(s, null, 2) : formatStatus(s)) + '\n');
  });
}
