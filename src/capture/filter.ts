// The capture filter as users write it (pids, comms, cgroup paths or ids, netns paths or inodes)
// resolved into the ids the kernel compares.
import * as fs from 'fs';
import * as path from 'path';
import type { NativeFilterSet } from './native-session';

export interface FilterSet {
  pids?: number[];
  /** Process names as the kernel keeps them (first 15 characters). */
  comms?: string[];
  /** cgroup v2 directories (absolute, or relative to the cgroup2 mount) or cgroup ids; each covers its subtree. */
  cgroups?: (string | bigint)[];
  /** Network namespaces: paths (/run/netns/NAME, /proc/PID/ns/net) or inode numbers. */
  netns?: (string | number)[];
}

/**
 * mode all: no entries; include: only what matches an include entry (pid OR comm OR cgroup OR
 * netns); exclude: everything except exclude matches. Exclude entries win over include entries.
 */
export interface CaptureFilter {
  include?: FilterSet;
  exclude?: FilterSet;
}

export class FilterError extends Error {}

/** Where cgroup v2 is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid hosts). */
export function cgroup2Mount(): string | undefined {
  try {
    for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      const parts = line.split(' ');
      const dash = parts.indexOf('-');
      if (dash > 0 && parts[dash + 1] === 'cgroup2') return parts[4];
    }
  } catch {
    /* not Linux */
  }
  return undefined;
}

export function cgroupIdOf(p: string): bigint {
  let full = p;
  if (!path.isAbsolute(p) || !fs.existsSync(p)) {
    const mount = cgroup2Mount();
    if (!mount) throw new FilterError(`cgroup ${p}: no cgroup v2 mount found`);
    full = path.join(mount, p);
  }
  try {
    const st = fs.statSync(full, { bigint: true });
    if (!st.isDirectory()) throw new FilterError(`cgroup ${p}: not a directory`);
    return st.ino;
  } catch (err) {
    if (err instanceof FilterError) throw err;
    throw new FilterError(`cgroup ${p}: ${(err as Error).message}`);
  }
}

export function netnsInodeOf(p: string): number {
  try {
    return Number(fs.statSync(p).ino);
  } catch (err) {
    throw new FilterError(`netns ${p}: ${(err as Error).message}`);
  }
}

function resolveSet(s: FilterSet | undefined): NativeFilterSet | undefined {
  if (!s) return undefined;
  const out: NativeFilterSet = {};
  if (s.pids) {
    for (const p of s.pids) {
      if (!Number.isInteger(p) || p <= 0 || p > 0xffffffff) throw new FilterError(`pid ${p}: not a process id`);
    }
    out.pids = [...s.pids];
  }
  if (s.comms) {
    for (const c of s.comms) if (!c) throw new FilterError('comm: empty name');
    out.comms = [...s.comms];
  }
  if (s.cgroups) out.cgroups = s.cgroups.map((c) => (typeof c === 'bigint' ? c : cgroupIdOf(c)));
  if (s.netns) out.netns = s.netns.map((n) => (typeof n === 'number' ? n : netnsInodeOf(n)));
  return out;
}

export function resolveFilter(f: CaptureFilter | undefined): { include?: NativeFilterSet; exclude?: NativeFilterSet } {
  return { include: resolveSet(f?.include), exclude: resolveSet(f?.exclude) };
}
