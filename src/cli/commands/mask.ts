// `proctap mask ID [--future]`: mark an incident as a false positive (and, with --future, its repeats
// from the same process name/exe, remote address and rules). Persists across agent restarts.
import type { Command } from 'commander';
import { addServerOption, withClient } from '../../agent/cli-support';
import { UsageError } from '../usage-error';

export function register(program: Command): void {
  const cmd = program
    .command('mask')
    .description('mask an incident (false positive); --future also masks its future repeats')
    .argument('<id>', 'incident id (inc-...)')
    .option('--future', 'also mask future incidents of the same process, remote and rules')
    .option('--reason <text>', 'why (kept with the mask)', '');
  addServerOption(cmd).action(async (id: string, o: { server: string; future?: boolean; reason: string }) => {
    if (!/^inc-[0-9a-f]+$/.test(id)) throw new UsageError(`not an incident id: '${id}' (expected inc-...)`);
    const r = await withClient(o.server, (c) => c.maskIncident({ id, future: o.future ?? false, reason: o.reason }));
    process.stdout.write(`masked ${r.incident?.id ?? id}${o.future ? ' and its future repeats' : ''}: ${r.incident?.summary ?? ''}\n`);
  });
}
