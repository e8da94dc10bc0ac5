// `proctap replay FILE.pcap --rules FILE [--rules FILE ...] [--eve OUT|-] [--var NAME=VALUE ...]`:
// runs a capture file through flows, HTTP/1.x and the ET engine and writes Suricata EVE alert lines.
import * as fs from 'fs';
import type { Command } from 'commander';
import { UsageError } from '../usage-error';
import { formatReport, loadRules, splitVariables } from '../../detect/suricata';
import { replayWithEngine } from '../../detect/suricata/replay';

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

/** NAME=VALUE options -> address and port variables (port variables: Suricata's names, *_PORTS). */
export function parseVarOptions(vars: string[]): { addressVars: Record<string, string>; portVars: Record<string, string> } {
  const all: Record<string, string> = {};
  for (const v of vars) {
    const m = /^\$?([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(v);
    if (!m) throw new UsageError(`--var expects NAME=VALUE, got "${v}"`);
    all[m[1]] = m[2];
  }
  return splitVariables(all);
}

export function register(program: Command): void {
  program
    .command('replay')
    .description('replay a pcap through flows, HTTP and the ET/Suricata rules; write EVE JSON alerts')
    .argument('<pcap>', 'classic pcap file (Ethernet, raw IP, Linux cooked)')
    .option('--rules <file>', 'Suricata rules file (repeat for several)', collect, [])
    .option('--eve <out>', "where EVE alert lines go: a file, or '-' for stdout", '-')
    .option('--var <NAME=VALUE>', 'set an address or port variable, e.g. HOME_NET=[10.0.0.0/8] (repeatable)', collect, [])
    .option('--report', 'print the full rule load report to stderr')
    .option('--midstream', "also reassemble TCP flows whose handshake is not in the capture (off by default, as Suricata's stream.midstream)")
    .action((pcap: string, o: { rules: string[]; eve: string; var: string[]; report?: boolean; midstream?: boolean }) => {
      if (!o.rules.length) throw new UsageError('replay needs at least one --rules FILE');
      if (!fs.existsSync(pcap)) throw new UsageError(`no such pcap file: ${pcap}`);
      for (const r of o.rules) if (!fs.existsSync(r)) throw new UsageError(`no such rules file: ${r}`);
      const { addressVars, portVars } = parseVarOptions(o.var);
      const { engine, report } = loadRules(o.rules, { addressVars, portVars });
      process.stderr.write(
        o.report
          ? formatReport(report) + '\n'
          : `rules: ${report.loaded} loaded, ${report.disabledInFile} disabled in file, ${report.notLoaded} not loaded` +
              (report.reasons.length ? ` (${report.reasons.slice(0, 3).map((r) => `${r.count} ${r.reason}`).join(', ')}; --report for all)` : '') +
              '\n',
      );
      if (report.loaded === 0) throw new Error('no rule loaded');
      const fd = o.eve === '-' ? 1 : fs.openSync(o.eve, 'w');
      let pending = '';
      const flush = (): void => {
        if (pending) fs.writeSync(fd, pending);
        pending = '';
      };
      try {
        const s = replayWithEngine(pcap, engine, (a) => {
          pending += JSON.stringify(a.eve) + '\n';
          if (pending.length > 65536) flush();
        }, { midstream: o.midstream === true });
        flush();
        process.stderr.write(
          `replay: ${s.pcap.packets} packets, ${s.flows} flows, ${s.transactions} HTTP transactions, ${s.streamChunks} stream chunks, ${s.alerts} alerts` +
            (s.pcap.reassembly.tcp_packets_midstream_ignored ? ` (${s.pcap.reassembly.tcp_packets_midstream_ignored} data packets of flows without a handshake ignored; --midstream to include them)` : '') +
            '\n',
        );
      } finally {
        if (fd !== 1) fs.closeSync(fd);
      }
    });
}
