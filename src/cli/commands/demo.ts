// `proctap demo [--duration S]`: the sensor on a demo workload in its own network namespaces.
import type { Command } from 'commander';
import { UsageError } from '../usage-error';
import { runDemo } from '../../demo/run';

export function register(program: Command): void {
  program
    .command('demo')
    .description('run the agent with the default rules on a demo web shop (visits, attacks, a compromised process) in private network namespaces')
    .option('--duration <seconds>', 'how long the workload runs', '30')
    .option('--offline', 'do not try to download ET Open (use the rules directory or the local snapshot)')
    .option('--et-dir <dir>', 'ET rules directory (default: the agent default, /var/lib/proctap/rules/et)')
    .action(async (o: { duration: string; offline?: boolean; etDir?: string }) => {
      const d = Number(o.duration);
      if (!/^\d+(\.\d+)?$/.test(o.duration) || !(d >= 5) || d > 3600) throw new UsageError(`--duration ${JSON.stringify(o.duration)}: seconds from 5 to 3600`);
      if (process.getuid?.() !== 0) throw new UsageError('the demo loads eBPF programs and creates network namespaces: run it as root');
      await runDemo({ durationS: d, offline: o.offline, etDir: o.etDir });
      process.exit(0);
    });
}
