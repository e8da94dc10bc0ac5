// `proctap rules update [--et-url URL] [--dest DIR] [--disable-conf F] [--enable-conf F]`: fetch ET
// Open, apply enable/disable lists, check it loads, switch the rules directory atomically.
// `proctap rules check PATH...`: the load report of rule files or directories.
import * as fs from 'fs';
import type { Command } from 'commander';
import { UsageError } from '../usage-error';
import { defaultConfig } from '../../config/defaults';
import { formatReport, loadRules } from '../../detect/suricata';
import { DEFAULT_ET_URL, RulesUpdateError, ruleFilesIn, updateRules } from '../../detect/suricata/update';

export function register(program: Command): void {
  const rules = program.command('rules').description('manage the Emerging Threats (Suricata) rule set');
  rules
    .command('update')
    .description('download ET Open, apply enable/disable lists, check it loads, replace the rules directory atomically')
    .option('--et-url <url>', 'tar.gz to download (http(s):// URL, file:// URL or a local path)', DEFAULT_ET_URL)
    .option('--dest <dir>', 'rules directory (a symlink to the current version)', defaultConfig().rules.et.dir)
    .option('--disable-conf <file>', 'suricata-update style disable list (sid, gid:sid, re:, group:)')
    .option('--enable-conf <file>', 'suricata-update style enable list (sid, gid:sid, re:, group:)')
    .option('--min-load-ratio <r>', 'least share of enabled HTTP/TCP rules that must load', '0.9')
    .action(async (o: { etUrl: string; dest: string; disableConf?: string; enableConf?: string; minLoadRatio: string }) => {
      for (const f of [o.disableConf, o.enableConf]) if (f && !fs.existsSync(f)) throw new UsageError(`no such file: ${f}`);
      const ratio = Number(o.minLoadRatio);
      if (!(ratio >= 0 && ratio <= 1)) throw new UsageError('--min-load-ratio must be between 0 and 1');
      try {
        const r = await updateRules({ url: o.etUrl, dest: o.dest, disableConf: o.disableConf, enableConf: o.enableConf, minLoadRatio: ratio });
        process.stdout.write(
          `rules updated: ${r.dest} -> version ${r.version} (${r.files.filter((f) => f.endsWith('.rules')).length} rule files; ` +
            `${r.enabledByConf} enabled and ${r.disabledByConf} disabled by the lists)\n${formatReport(r.report, 1)}\n`,
        );
      } catch (e) {
        if (e instanceof RulesUpdateError) {
          process.stderr.write(`proctap: rules update failed, old rules kept: ${e.message}\n`);
          process.exit(1);
        }
        throw e;
      }
    });
  rules
    .command('check')
    .description('load rule files (or directories of .rules) and print the load report')
    .argument('<paths...>', 'rule files or directories')
    .option('--examples <n>', 'failures shown per reason', '3')
    .action((paths: string[], o: { examples: string }) => {
      const files: string[] = [];
      for (const p of paths) {
        if (!fs.existsSync(p)) throw new UsageError(`no such file or directory: ${p}`);
        if (fs.statSync(p).isDirectory()) files.push(...ruleFilesIn(p));
        else files.push(p);
      }
      if (!files.length) throw new UsageError('no .rules files found');
      const { report } = loadRules(files);
      process.stdout.write(formatReport(report, Number(o.examples) || 0) + '\n');
    });
}
