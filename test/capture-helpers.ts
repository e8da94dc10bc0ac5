// Shared by the capture tests: a private network namespace per test, processes run inside it,
// and a sensor that sees only that namespace (containment: nothing else is captured).
import { spawn, spawnSync, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
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
    // 'close' (not 'exit'): it comes only after the child's pipes are drained, however busy the
    // event loop was when the child exited (the drops test stalls it on purpose).
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ pid: child.pid ?? 0, code, stdout, stderr });
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
        if mode == 'late':
            import time
            time.sleep(2)
            c.sendall(b'late reply')
            return
        while True:
            d = c.recv(1 << 20)
            if not d: break
            if mode == 'echo':
                c.sendall(d)
            elif mode == 'sink':
                continue
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

/** A C client that uses every send/recv syscall variant against an echo server. */
export const C_CLIENT = String.raw`
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static int fd;
static void die(const char *m) { perror(m); exit(1); }

static void read_all(const char *via, char *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r;
    if (!strcmp(via, "read")) r = read(fd, buf + got, n - got);
    else if (!strcmp(via, "recv")) r = recv(fd, buf + got, n - got, 0);
    else if (!strcmp(via, "recvfrom")) r = recvfrom(fd, buf + got, n - got, 0, NULL, NULL);
    else if (!strcmp(via, "recvmsg")) {
      struct iovec iov[2] = {{buf + got, (n - got) / 2}, {buf + got + (n - got) / 2, n - got - (n - got) / 2}};
      struct msghdr m = {0};
      m.msg_iov = iov; m.msg_iovlen = 2;
      r = recvmsg(fd, &m, 0);
    } else {
      struct iovec iov[3] = {{buf + got, 3}, {buf + got + 3, 5}, {buf + got + 8, n - got - 8}};
      if (n - got < 9) { iov[0].iov_len = n - got; r = readv(fd, iov, 1); }
      else r = readv(fd, iov, 3);
    }
    if (r <= 0) die(via);
    got += r;
  }
}

int main(int argc, char **argv) {
  const char *host = argv[1];
  int port = atoi(argv[2]);
  if (strchr(host, ':')) {
    struct sockaddr_in6 a = {0};
    a.sin6_family = AF_INET6; a.sin6_port = htons(port);
    inet_pton(AF_INET6, host, &a.sin6_addr);
    fd = socket(AF_INET6, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&a, sizeof a)) die("connect");
  } else {
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET; a.sin_port = htons(port);
    inet_pton(AF_INET, host, &a.sin_addr);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&a, sizeof a)) die("connect");
  }
  const char *sends[] = {"write", "send", "sendto", "sendmsg", "writev"};
  const char *recvs[] = {"read", "recv", "recvfrom", "recvmsg", "readv"};
  char msg[128], back[128];
  for (int i = 0; i < 5; i++) {
    int n = snprintf(msg, sizeof msg, "proctap-%s-then-%s-%s", sends[i], recvs[i], host);
    ssize_t w;
    if (i == 0) w = write(fd, msg, n);
    else if (i == 1) w = send(fd, msg, n, 0);
    else if (i == 2) w = sendto(fd, msg, n, 0, NULL, 0);
    else if (i == 3) {
      struct iovec iov[2] = {{msg, 7}, {msg + 7, n - 7}};
      struct msghdr m = {0};
      m.msg_iov = iov; m.msg_iovlen = 2;
      w = sendmsg(fd, &m, 0);
    } else {
      struct iovec iov[3] = {{msg, 4}, {msg + 4, 6}, {msg + 10, n - 10}};
      w = writev(fd, iov, 3);
    }
    if (w != n) die(sends[i]);
    read_all(recvs[i], back, n);
    if (memcmp(msg, back, n)) { fprintf(stderr, "echo mismatch\n"); return 1; }
    printf("%s %s %d\n", sends[i], recvs[i], n);
  }
  close(fd);
  return 0;
}
`;

/** Compiles C_CLIENT into a temp dir; the binary (and so its comm) is named `name`. */
export function buildCClient(name = 'ptclient'): string {
  const dir = tmpDir();
  const src = path.join(dir, 'client.c');
  fs.writeFileSync(src, C_CLIENT);
  const bin = path.join(dir, name);
  run('cc', ['-O1', '-Wall', '-o', bin, src]);
  return bin;
}

export const C_VARIANTS: [string, string][] = [
  ['write', 'read'],
  ['send', 'recv'],
  ['sendto', 'recvfrom'],
  ['sendmsg', 'recvmsg'],
  ['writev', 'readv'],
];

/** The messages C_CLIENT sends (and reads back) for a host. */
export function cMessages(host: string): string[] {
  return C_VARIANTS.map(([s, r]) => `proctap-${s}-then-${r}-${host}`);
}

export async function startPyServer(ns: Netns, host: string, mode: 'http' | 'echo' | 'sink' | 'late') {
  const child = ns.spawn('python3', ['-c', PY_SERVER, host, mode]);
  const m = await waitForLine(child, /LISTEN (\d+)/);
  return { child, port: Number(m[1]) };
}

/** A C client that writes `count` records of `size` bytes (byte i of record n = (n + i) & 0xff). */
export const C_FLOOD = String.raw`
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int port = atoi(argv[1]), count = atoi(argv[2]), size = atoi(argv[3]);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET; a.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(fd, (struct sockaddr *)&a, sizeof a)) { perror("connect"); return 1; }
  char buf[4096];
  int ok = 0;
  for (int n = 0; n < count; n++) {
    for (int i = 0; i < size; i++) buf[i] = (char)(n + i);
    if (write(fd, buf, size) != size) { perror("write"); return 1; }
    ok++;
  }
  close(fd);
  printf("%d\n", ok);
  return 0;
}
`;

export function buildCFlood(name = 'ptflood'): string {
  const dir = tmpDir();
  const src = path.join(dir, 'flood.c');
  fs.writeFileSync(src, C_FLOOD);
  const bin = path.join(dir, name);
  run('cc', ['-O1', '-Wall', '-o', bin, src]);
  return bin;
}

const REPO_ROOT = path.join(__dirname, '..');

/** Starts `proctap capture ARGS` from source (as a user would run the CLI). */
export function startCaptureCli(args: string[]): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'src/cli/run.ts'), 'capture', ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Resolves once the capture CLI reports on stderr that its probes are attached. */
export function untilAttached(child: ChildProcessByStdio<null, Readable, Readable>): Promise<void> {
  return new Promise((resolve, reject) => {
    let err = '';
    const t = setTimeout(() => reject(new Error(`capture did not attach: ${err}`)), 20_000);
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('attached (')) {
        clearTimeout(t);
        resolve();
      }
    });
  });
}
