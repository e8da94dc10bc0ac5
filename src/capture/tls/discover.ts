// Finds the TLS libraries a process uses (from /proc/PID/maps: libssl.so.*, or any mapped ELF
// that exports SSL_read/SSL_write itself, like /usr/bin/node), the system's libssl files (for
// per-file probes that must be in place before a process starts), and which processes match a
// capture filter (the same rules the kernel applies: exclude wins, any include entry admits).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { NativeFilterSet } from '../native-session';
import { cgroup2Mount } from '../filter';
import { exportsOpenSsl, fileIdentity } from './elf-exports';

export interface TlsLibraryFile {
  /** The path as the process sees it (its mount namespace), e.g. /usr/lib/x86_64-linux-gnu/libssl.so.3 */
  path: string;
  /** A path the sensor can open for the same file: /proc/PID/root/... for a process, else `path`. */
  openPath: string;
  /** dev:ino: one file, whatever path or namespace it is reached through. */
  key: string;
}

function keyOf(p: string): string | undefined {
  const id = fileIdentity(p);
  return id ? `${id.dev}:${id.ino}` : undefined;
}

/** Executable file mappings of a process that export OpenSSL's SSL_read/SSL_write. */
export function tlsLibrariesOfProcess(pid: number): TlsLibraryFile[] {
  let maps: string;
  try {
    maps = fs.readFileSync(`/proc/${pid}/maps`, 'latin1');
  } catch {
    return []; // gone, or a kernel thread
  }
  const seen = new Set<string>();
  const out: TlsLibraryFile[] = [];
  for (const line of maps.split('\n')) {
    // address perms offset dev inode path
    const m = /^\S+ (\S{4}) \S+ \S+ (\d+)\s+(\/.*)$/.exec(line);
    if (!m || m[1][2] !== 'x' || m[2] === '0') continue;
    const p = m[3];
    if (p.endsWith(' (deleted)') || seen.has(p)) continue;
    seen.add(p);
    const openPath = `/proc/${pid}/root${p}`;
    if (!exportsOpenSsl(openPath)) continue;
    const key = keyOf(openPath);
    if (key) out.push({ path: p, openPath, key });
  }
  return out;
}

/** The executable of a process, when it exports OpenSSL itself (node). */
export function tlsExecutableOf(pid: number): TlsLibraryFile | undefined {
  let exe: string;
  try {
    exe = fs.readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
  const openPath = `/proc/${pid}/exe`;
  if (exe.endsWith(' (deleted)') || !exportsOpenSsl(openPath)) return undefined;
  const key = keyOf(openPath);
  return key ? { path: exe, openPath: `/proc/${pid}/root${exe}`, key } : undefined;
}

let systemCache: TlsLibraryFile[] | undefined;

/** libssl files of this host (ldconfig's cache, then the usual directories), one per file. */
export function systemTlsLibraries(): TlsLibraryFile[] {
  if (systemCache) return systemCache;
  const candidates: string[] = [];
  const r = spawnSync('ldconfig', ['-p'], { encoding: 'utf8', timeout: 5000 });
  if (r.status === 0) {
    for (const line of r.stdout.split('\n')) {
      const m = /^\s*(libssl[^ ]*\.so[^ ]*) \(([^)]*)\) => (\/\S+)$/.exec(line);
      if (m && /x86-64|x86_64|64bit|AArch64/i.test(m[2])) candidates.push(m[3]);
    }
  }
  for (const dir of ['/usr/lib/x86_64-linux-gnu', '/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib']) {
    try {
      for (const f of fs.readdirSync(dir)) if (/^libssl\.so\.\d/.test(f)) candidates.push(path.join(dir, f));
    } catch {
      /* no such dir */
    }
  }
  const out: TlsLibraryFile[] = [];
  const keys = new Set<string>();
  for (const c of candidates) {
    let real: string;
    try {
      real = fs.realpathSync(c);
    } catch {
      continue;
    }
    const key = keyOf(real);
    if (!key || keys.has(key) || !exportsOpenSsl(real)) continue;
    keys.add(key);
    out.push({ path: real, openPath: real, key });
  }
  systemCache = out;
  return out;
}

/** The same file seen from inside a process's mount namespace (for per-pid probes at exec). */
export function inProcessRoot(pid: number, lib: TlsLibraryFile): TlsLibraryFile | undefined {
  const openPath = `/proc/${pid}/root${lib.path}`;
  if (!exportsOpenSsl(openPath)) return undefined;
  const key = keyOf(openPath);
  return key ? { path: lib.path, openPath, key } : undefined;
}

/** Facts of a process the filter compares. */
export interface ProcFacts {
  pid: number;
  comm: string;
  netns: number;
  cgroupId: bigint | undefined;
  /** The process's cgroup and its ancestors (a cgroup entry of the filter covers its subtree). */
  cgroupIds: bigint[];
}

export function procFacts(pid: number): ProcFacts | undefined {
  try {
    const comm = fs.readFileSync(`/proc/${pid}/comm`, 'latin1').replace(/\n$/, '');
    const netns = Number(fs.statSync(`/proc/${pid}/ns/net`).ino);
    const cgroupIds: bigint[] = [];
    const mount = cgroup2Mount();
    const cg = /^0::(\S+)$/m.exec(fs.readFileSync(`/proc/${pid}/cgroup`, 'latin1'));
    if (mount && cg) {
      for (let p = cg[1]; ; p = path.posix.dirname(p)) {
        try {
          cgroupIds.push(fs.statSync(path.join(mount, p), { bigint: true }).ino);
        } catch {
          /* cgroup gone */
        }
        if (p === '/' || p === '.' || p === '') break;
      }
    }
    return { pid, comm, netns, cgroupId: cgroupIds[0], cgroupIds };
  } catch {
    return undefined;
  }
}

function inSet(f: ProcFacts, s: NativeFilterSet | undefined): boolean {
  if (!s) return false;
  return (
    (s.pids?.includes(f.pid) ?? false) ||
    (s.comms?.some((c) => c.slice(0, 15) === f.comm) ?? false) ||
    (s.netns?.includes(f.netns) ?? false) ||
    (s.cgroups?.some((c) => f.cgroupIds.includes(c)) ?? false)
  );
}

function hasEntries(s: NativeFilterSet | undefined): boolean {
  return !!s && !!(s.pids?.length || s.comms?.length || s.netns?.length || s.cgroups?.length);
}

export interface ResolvedFilter {
  include?: NativeFilterSet;
  exclude?: NativeFilterSet;
}

/** The kernel's rule (common.bpf.h pt_filter_pass) applied to /proc facts. */
export function filterAdmits(f: ProcFacts, filter: ResolvedFilter): boolean {
  if (inSet(f, filter.exclude)) return false;
  return hasEntries(filter.include) ? inSet(f, filter.include) : true;
}

/** Pids of processes that the filter admits right now (never the sensor itself). */
export function matchingProcesses(filter: ResolvedFilter): number[] {
  const out: number[] = [];
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return out;
  }
  const include = filter.include;
  for (const n of names) {
    const pid = Number(n);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) continue;
    // Cheap exits first: an include list of pids only needs no /proc reads for others.
    if (include && hasEntries(include) && !include.comms?.length && !include.netns?.length && !include.cgroups?.length) {
      if (!include.pids?.includes(pid)) continue;
    }
    const f = procFacts(pid);
    if (f && filterAdmits(f, filter)) out.push(pid);
  }
  return out;
}
