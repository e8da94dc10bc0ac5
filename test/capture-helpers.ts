// Shared by the capture tests: a private network namespace per test, processes run inside it,
// and a sensor that sees only that namespace (containment: nothing else is captured).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CaptureEvent } from '../src/capture';
import { Sensor, type SensorOptions } from '../src/capture';

export class Netns {
  readonly name: string;
  readonly path: string;
  readonly inode: number;

  constructor() {
    this.name = `proctap-test-${crypto.randomBytes(4).toString('hex')}`;
    run('ip', ['netns', 'add', this.name]);
    run('ip', ['-n', this.name, 'link', 'set', 'lo', 'up']);
    this.path = `/run/netns/${this.name}`;
    this.inode = Number(fs.statSync(this.path).ino);
  }

  /** Starts a process inside the namespace (`ip netns exec` execs it: same pid). */
  spawn(cmd: string, args: string[], opts: { stdin?: 'pipe' | 'ignore' } = {}): ChildProcess {
    return spawn('ip', ['netns', 'exec', this.name, cmd, ...args], { stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'] });
  }

  /** Runs a process to completion inside the namespace (bounded by timeoutMs). */
  async run(cmd: string, args: string[], timeoutMs = 15_000): Promise<{ pid: number; code: number | null; stdout: string; stderr: string }> {
    const child = this.spawn(cmd, args);
    return collectExit(child, timeoutMs);
  }

  remove(): void {
    spawnSync('ip', ['netns', 'pids', this.name], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean)
      .forEach((p) => {
        try {
          process.kill(Number(p), 'SIGKILL');
        } catch {
          /* gone */
        }
      });
    spawnSync('ip', ['netns', 'del', this.name]);
  }
}

export function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error}`);
  return r.stdout;
}

export function collectExit(child: ChildProcess, timeoutMs: number): Promise<{ pid: number; code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out: ${child.spawnargs.join(' ')}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(t);
      // 'exit' can come before the pipes drain
      setImmediate(() => resolve({ pid: child.pid ?? 0, code, stdout, stderr }));
    });
  });
}

/** Waits for a line on the child's stdout that matches (servers print when they listen). */
export function waitForLine(child: ChildProcess, re: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let acc = '';
    let err = '';
    const t = setTimeout(() => reject(new Error(`no line ${re} from ${child.spawnargs.join(' ')}: ${acc} ${err}`)), timeoutMs);
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      acc += d.toString();
      const m = acc.match(re);
      if (m) {
        clearTimeout(t);
        resolve(m);
      }
    });
    child.on('exit', () => reject(new Error(`${child.spawnargs.join(' ')} exited: ${acc} ${err}`)));
  });
}

/** A sensor limited to one namespace, collecting every event it delivers. */
export class Capture {
  readonly sensor: Sensor;
  readonly events: CaptureEvent[] = [];

  constructor(ns: Netns, opts: SensorOptions = {}) {
    this.sensor = new Sensor({ filter: { include: { netns: [ns.inode] } }, ...opts });
    this.sensor.onEvents((evs) => {
      for (const e of evs) this.events.push(e);
    });
  }

  /** Polls until pred holds over the events so far, or fails after timeoutMs. */
  async waitFor(pred: (evs: CaptureEvent[]) => boolean, timeoutMs = 5_000, what = 'events'): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!pred(this.events)) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; have ${describe(this.events)}`);
      await sleep(25);
    }
  }
}

export function describe(evs: CaptureEvent[]): string {
  return (
    `${evs.length} events:\n` +
    evs
      .slice(0, 60)
      .map(
        (e) =>
          `  ${e.type} ${e.role} ${e.comm}[${e.pid}] ${e.localAddr}:${e.localPort} -> ${e.remoteAddr}:${e.remotePort} len=${e.len} cap=${e.captured} ${JSON.stringify(e.payload.toString('latin1', 0, 40))}`,
      )
      .join('\n')
  );
}

/** Concatenated payload of events matching pred, in order. */
export function payloadOf(evs: CaptureEvent[], pred: (e: CaptureEvent) => boolean): Buffer {
  return Buffer.concat(evs.filter(pred).map((e) => e.payload));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'proctap-capture-'));
}

/** A python TCP echo/HTTP server script: prints "LISTEN <port>" once it listens. */
export const PY_SERVER = String.raw`
import socket, sys, threading
host, mode = sys.argv[1], sys.argv[2]
fam = socket.AF_INET6 if ':' in host else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((host, 0)); s.listen(64)
print("LISTEN", s.getsockname()[1], flush=True)
def serve(c):
    try:
        while True:
            d = c.recv(1 << 20)
            if not d: break
            if mode == 'echo':
                c.sendall(d)
            elif b'\r\n\r\n' in d:
                body = b'hello from proctap test\n'
                c.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n' % len(body) + body)
                break
    finally:
        c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
`;
