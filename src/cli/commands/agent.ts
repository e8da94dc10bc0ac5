// `proctap agent`: the sensor. Captures with eBPF, parses HTTP, runs CRS and ET, raises incidents,
// serves gRPC and /metrics, writes EVE; runs until SIGINT/SIGTERM.
import * as fs from 'fs';
import type { Command } from 'commander';
import { UsageError } from '../usage-error';
import { ConfigError, loadConfigFile } from '../../config/load';
import { defaultConfig } from '../../config/defaults';
import { checkListen } from '../../config/validate';
import type { ProctapConfig } from '../../config/types';
import { DEFAULT_STATE_DIR, startRuntime } from '../../agent/runtime';
import { LiveCaptureSource } from '../../agent/live-source';
import type { CapturePath } from '../../capture';

interface AgentCliOptions {
  config?: string;
  netns: string[];
  grpcListen?: string;
  metricsListen?: string;
  eve?: string;
  stateDir: string;
  console?: boolean;
  capturePath?: string;
  ringBytes?: string;
  duration?: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];

function listenArg(flag: string, v: string | undefined): string | null | undefined {
  if (v === undefined) return undefined;
  if (v === 'off' || v === '') return null;
  const errors: string[] = [];
  checkListen(errors, flag, v);
  if (errors.length) throw new UsageError(errors.join('; '));
  return v;
}

export function register(program: Command): void {
  program
    .command('agent')
    .description('run the sensor: capture, detection (CRS + ET), incidents over gRPC, EVE, /metrics')
    .option('--config <file>', 'YAML configuration (default: built-in defaults)')
    .option('--netns <path>', 'capture only sockets in this network namespace (/run/netns/NAME, /proc/PID/ns/net); repeatable', collect, [])
    .option('--grpc-listen <addr>', "gRPC address HOST:PORT ('off' to disable); overrides outputs.grpc")
    .option('--metrics-listen <addr>', "Prometheus /metrics address HOST:PORT ('off' to disable); overrides outputs.metrics")
    .option('--eve <file>', "EVE JSON output file ('off' to disable); overrides outputs.eve")
    .option('--state-dir <dir>', 'where masks and rule states are kept', DEFAULT_STATE_DIR)
    .option('--console', 'print incidents as a live table on stdout (outputs.console)')
    .option('--capture-path <path>', 'auto, sock-tracepoints or syscalls', 'auto')
    .option('--ring-bytes <n>', 'kernel ring buffer size: a power of two (default 8 MiB)')
    .option('--duration <seconds>', 'stop after this many seconds (default: run until SIGINT/SIGTERM)')
    .action(async (o: AgentCliOptions) => {
      let config: ProctapConfig;
      try {
        config = o.config ? loadConfigFile(o.config) : defaultConfig();
      } catch (err) {
        if (err instanceof ConfigError) throw new UsageError(err.message);
        throw err;
      }
      for (const n of o.netns) if (!fs.existsSync(n)) throw new UsageError(`--netns ${n}: no such namespace file`);
      if (!['auto', 'sock-tracepoints', 'syscalls'].includes(o.capturePath ?? 'auto')) throw new UsageError(`--capture-path ${o.capturePath}: auto, sock-tracepoints or syscalls`);
      let durationMs: number | undefined;
      if (o.duration !== undefined) {
        const d = Number(o.duration);
        if (!(d > 0)) throw new UsageError(`--duration ${JSON.stringify(o.duration)}: expected seconds > 0`);
        durationMs = d * 1000;
      }
      let ringBytes: number | undefined;
      if (o.ringBytes !== undefined) {
        ringBytes = Number(o.ringBytes);
        if (!Number.isInteger(ringBytes) || ringBytes < 4096 || ringBytes > 2 ** 30 || (ringBytes & (ringBytes - 1)) !== 0) throw new UsageError(`--ring-bytes ${o.ringBytes}: a power of two from 4096 to 1 GiB`);
      }
      const grpcListen = listenArg('--grpc-listen', o.grpcListen);
      const metricsListen = listenArg('--metrics-listen', o.metricsListen);
      const evePath = o.eve === undefined ? undefined : o.eve === 'off' ? null : o.eve;
      const log = (l: string) => process.stderr.write(`proctap: ${l}\n`);
      try {
        fs.mkdirSync(o.stateDir, { recursive: true });
      } catch (err) {
        throw new UsageError(`--state-dir ${o.stateDir}: ${(err as Error).message}`);
      }
      const rt = await startRuntime({
        config,
        stateDir: o.stateDir,
        netns: o.netns,
        grpcListen,
        metricsListen,
        evePath,
        console: o.console ? process.stdout : undefined,
        capture: { capturePath: o.capturePath as CapturePath, ...(ringBytes ? { ringBytes } : {}) },
        log,
      });
      log('agent running (SIGINT or SIGTERM stops it)');
      // Capture problems (a cgroup that does not exist, a failed sensor reopen...) go to stderr.
      let shown = 0;
      const problems = setInterval(() => {
        const errs = rt.source instanceof LiveCaptureSource ? rt.source.errors : [];
        for (; shown < errs.length; shown++) log(`capture: ${errs[shown]}`);
      }, 1000);
      problems.unref();
      await new Promise<void>((resolve) => {
        const done = () => resolve();
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
        if (durationMs) setTimeout(done, durationMs).unref();
      });
      clearInterval(problems);
      log('stopping');
      await rt.stop();
      const s = rt.source.counters?.();
      if (s) log(`capture totals: events ${JSON.stringify(s.events)} drops ${JSON.stringify(s.drops)}`);
      process.exit(0);
    });
}
