// `proctap capture`: prints what processes send and receive over TCP, one event per line.
import type { Command } from 'commander';
import { UsageError } from '../usage-error';
import { FilterError, Sensor, SensorOptionError, type CaptureFilter, type FilterSet, type CapturePath } from '../../capture';
import { toJson, toText } from '../../capture/format';

interface CaptureCliOptions {
  pid: string[];
  comm: string[];
  excludePid: string[];
  excludeComm: string[];
  cgroup: string[];
  netns: string[];
  maxBytes?: string;
  ringBytes?: string;
  duration?: string;
  count?: string;
  json?: boolean;
  capturePath?: string;
  https?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

function intArg(name: string, v: string, min: number, max: number): number {
  if (!/^\d+$/.test(v)) throw new UsageError(`${name} ${JSON.stringify(v)}: expected a whole number`);
  const n = Number(v);
  if (n < min || n > max) throw new UsageError(`${name} ${v}: must be from ${min} to ${max}`);
  return n;
}

/** Turns the command line into sensor options; throws UsageError on bad input. */
export function captureOptionsFromCli(o: CaptureCliOptions): {
  filter: CaptureFilter;
  maxBytes?: number;
  ringBytes?: number;
  capturePath: CapturePath;
  durationMs?: number;
  count?: number;
} {
  const include: FilterSet = {};
  const exclude: FilterSet = {};
  if (o.pid.length) include.pids = o.pid.map((p) => intArg('--pid', p, 1, 0xffffffff));
  if (o.comm.length) include.comms = o.comm;
  if (o.cgroup.length) include.cgroups = o.cgroup;
  if (o.netns.length) include.netns = o.netns;
  if (o.excludePid.length) exclude.pids = o.excludePid.map((p) => intArg('--exclude-pid', p, 1, 0xffffffff));
  if (o.excludeComm.length) exclude.comms = o.excludeComm;
  for (const c of [...o.comm, ...o.excludeComm]) {
    if (c.length === 0 || c.length > 15) throw new UsageError(`comm ${JSON.stringify(c)}: 1 to 15 characters (the kernel keeps 15)`);
  }
  const path = o.capturePath ?? 'auto';
  if (!['auto', 'sock-tracepoints', 'syscalls'].includes(path)) {
    throw new UsageError(`--capture-path ${path}: auto, sock-tracepoints or syscalls`);
  }
  let durationMs: number | undefined;
  if (o.duration !== undefined) {
    const d = Number(o.duration);
    if (!/^\d+(\.\d+)?$/.test(o.duration) || !(d > 0)) throw new UsageError(`--duration ${JSON.stringify(o.duration)}: expected seconds > 0`);
    durationMs = d * 1000;
  }
  return {
    filter: { include, exclude },
    maxBytes: o.maxBytes === undefined ? undefined : intArg('--max-bytes', o.maxBytes, 0, 65536),
    ringBytes: o.ringBytes === undefined ? undefined : intArg('--ring-bytes', o.ringBytes, 4096, 1 << 30),
    capturePath: path as CapturePath,
    durationMs,
    count: o.count === undefined ? undefined : intArg('--count', o.count, 1, Number.MAX_SAFE_INTEGER),
  };
}

async function runCapture(o: CaptureCliOptions): Promise<void> {
  const opts = captureOptionsFromCli(o);
  let sensor: Sensor;
  try {
    sensor = new Sensor({ filter: opts.filter, maxBytes: opts.maxBytes, ringBytes: opts.ringBytes, capturePath: opts.capturePath, https: o.https !== false });
  } catch (err) {
    if (err instanceof FilterError || err instanceof SensorOptionError) throw new UsageError(err.message);
    throw err;
  }
  const json = !!o.json;
  let printed = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => (done = r));
  sensor.onEvents((events) => {
    let out = '';
    for (const e of events) {
      if (opts.count !== undefined && printed >= opts.count) break;
      out += (json ? JSON.stringify(toJson(e)) : toText(e)) + '\n';
      printed++;
    }
    if (out) process.stdout.write(out);
    if (opts.count !== undefined && printed >= opts.count) done();
  });
  process.stderr.write(`proctap capture: attached (${sensor.capturePath} path); Ctrl-C to stop\n`);
  const stop = () => done();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const timer = opts.durationMs !== undefined ? setTimeout(stop, opts.durationMs) : undefined;
  await finished;
  if (timer) clearTimeout(timer);
  process.removeListener('SIGINT', stop);
  process.removeListener('SIGTERM', stop);
  const c = await sensor.close();
  const counters = {
    events: c.events,
    bytes: c.bytes,
    printed,
    ring_drops: c.ringDrops,
    ring_drop_bytes: c.ringDropBytes,
    queue_drops: c.queueDropEvents,
    filtered: c.filtered,
    read_faults: c.readFaults,
    no_payload: c.noPayload,
    truncated: c.truncated,
    ...(sensor.capturePath === 'syscalls' ? { syscall_misses: c.syscallMisses } : {}),
    ...(c.tls ? { tls_events: c.tls.events, tls_unlinked: c.tls.unlinked, tls_attach_failures: Object.values(c.tls.attachFailures).reduce((a, b) => a + b, 0) } : {}),
  };
  if (json) process.stderr.write(JSON.stringify({ counters }) + '\n');
  else process.stderr.write('counters: ' + Object.entries(counters).map(([k, v]) => `${k}=${v}`).join(' ') + '\n');
}

export function register(program: Command): void {
  program
    .command('capture')
    .description('print the TCP payloads processes send and receive, one event per line')
    .option('--pid <N>', 'capture this process (repeatable)', collect, [])
    .option('--comm <NAME>', 'capture processes with this name (repeatable)', collect, [])
    .option('--exclude-pid <N>', 'never capture this process (repeatable)', collect, [])
    .option('--exclude-comm <NAME>', 'never capture processes with this name (repeatable)', collect, [])
    .option('--cgroup <PATH>', 'capture processes in this cgroup v2 directory (repeatable)', collect, [])
    .option('--netns <PATH>', 'capture sockets of this network namespace, e.g. /run/netns/NAME (repeatable)', collect, [])
    .option('--max-bytes <N>', 'payload bytes captured per event (default 16384, max 65536)')
    .option('--ring-bytes <N>', 'ring buffer size, a power of two (default 67108864)')
    .option('--duration <SECONDS>', 'stop after this long')
    .option('--count <N>', 'stop after printing N events')
    .option('--capture-path <PATH>', 'auto | sock-tracepoints | syscalls (default auto)')
    .option('--json', 'one JSON object per line (payload base64)')
    .option('--no-https', 'do not capture HTTPS plaintext (no OpenSSL uprobes)')
    .addHelpText(
      'after',
      '\nWith --pid/--comm/--cgroup/--netns only matching traffic is captured (any of them);\n' +
        'without them everything except --exclude-* is. Counters go to stderr at exit.',
    )
    .action((o: CaptureCliOptions) => runCapture(o));
}
