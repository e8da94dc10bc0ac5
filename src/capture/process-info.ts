// Process facts from /proc, cached per pid. A changed comm (exec) or an old entry refreshes it;
// a process that already exited yields only what the kernel event carried.
import * as fs from 'fs';
import type { ProcessInfo } from './types';

const CONTAINER_ID = /([0-9a-f]{64})/g;

/** The container id in a cgroup path: docker-<id>.scope, cri-containerd-<id>, crio-<id>, /docker/<id>. */
export function containerIdFromCgroupPath(p: string): string | undefined {
  const m = p.match(CONTAINER_ID);
  return m ? m[m.length - 1] : undefined;
}

function readProc(pid: number, comm: string): ProcessInfo | undefined {
  const base = `/proc/${pid}`;
  const info: ProcessInfo = { pid, comm };
  try {
    const stat = fs.readFileSync(`${base}/stat`, 'latin1');
    // pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    info.ppid = Number(rest[1]);
  } catch {
    return undefined; // gone
  }
  try {
    info.exe = fs.readlinkSync(`${base}/exe`);
  } catch {
    /* kernel thread or no permission */
  }
  try {
    const raw = fs.readFileSync(`${base}/cmdline`);
    const parts = raw.toString('utf8').split('\0');
    if (parts.length && parts[parts.length - 1] === '') parts.pop();
    info.cmdline = parts;
  } catch {
    /* gone */
  }
  try {
    const status = fs.readFileSync(`${base}/status`, 'latin1');
    const m = /^Uid:\s+(\d+)/m.exec(status);
    if (m) info.uid = Number(m[1]);
  } catch {
    /* gone */
  }
  try {
    const cg = fs.readFileSync(`${base}/cgroup`, 'latin1');
    const line = cg.split('\n').find((l) => l.startsWith('0::'));
    if (line) {
      info.cgroupPath = line.slice(3);
      info.containerId = containerIdFromCgroupPath(info.cgroupPath);
    }
  } catch {
    /* gone */
  }
  return info;
}

export class ProcessInfoCache {
  private readonly entries = new Map<number, { info: ProcessInfo | undefined; at: number }>();

  constructor(
    private readonly ttlMs = 30_000,
    private readonly maxEntries = 8192,
  ) {}

  /** `now` lets a caller read the clock once per batch instead of once per event. */
  get(pid: number, comm: string, cgroupId?: bigint, now = Date.now()): ProcessInfo | undefined {
    if (pid === 0) return undefined;
    const hit = this.entries.get(pid);
    if (hit && now - hit.at < this.ttlMs && (hit.info === undefined || hit.info.comm === comm)) return hit.info;
    const info = readProc(pid, comm);
    if (info && cgroupId !== undefined) info.cgroupId = cgroupId;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(pid, { info, at: now });
    return info;
  }
}
