// Decides whether a process is analysed under `processes` (all / include / exclude by name, exe glob,
// cgroup path or container id). The capture stage applies what it can in the kernel (names, cgroups);
// this check is the user-space authority for the rest (exe globs, container ids).
import type { ProcessInfo } from '../capture/types';
import type { ProctapConfig } from './types';

/** Compiles a path glob: `**` any characters, `*` any except '/', `?` one character except '/'. */
export function globToRegExp(glob: string): RegExp {
  let re = '^';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '*') {
      if (glob[i + 1] === '*') {
        re += '.*';
        i++;
      } else re += '[^/]*';
    } else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(re + '$');
}

export class ProcessMatcher {
  private readonly mode: ProctapConfig['processes']['mode'];
  private readonly names: Set<string>;
  private readonly exe: RegExp[];
  private readonly cgroups: string[];
  private readonly containers: string[];

  constructor(p: ProctapConfig['processes']) {
    this.mode = p.mode;
    this.names = new Set(p.names);
    this.exe = p.exe.map(globToRegExp);
    this.cgroups = p.cgroups.map((c) => c.replace(/\/+$/, ''));
    this.containers = [...p.containers];
  }

  /** True when the process is listed by any criterion. */
  listed(proc: Pick<ProcessInfo, 'comm' | 'exe' | 'cgroupPath' | 'containerId'>): boolean {
    if (this.names.has(proc.comm)) return true;
    if (proc.exe && this.exe.some((r) => r.test(proc.exe as string))) return true;
    const cg = proc.cgroupPath;
    if (cg && this.cgroups.some((c) => cg === c || cg.startsWith(c + '/'))) return true;
    const cid = proc.containerId;
    if (cid && this.containers.some((c) => cid.startsWith(c))) return true;
    return false;
  }

  /** Whether traffic of this process is analysed. Unknown processes are analysed unless mode is include. */
  analysed(proc: Pick<ProcessInfo, 'comm' | 'exe' | 'cgroupPath' | 'containerId'> | undefined): boolean {
    if (this.mode === 'all') return true;
    if (!proc) return this.mode === 'exclude';
    const l = this.listed(proc);
    return this.mode === 'include' ? l : !l;
  }
}

/** What the kernel-side filter can do with `processes` (names and cgroups); the rest is user space. */
export interface KernelProcessFilter {
  /** 'all' when the kernel must pass everything (user space then decides). */
  mode: 'all' | 'include' | 'exclude';
  comms: string[];
  cgroupPaths: string[];
  /** True when ProcessMatcher must still check each flow (exe globs or container ids present). */
  userSpaceCheck: boolean;
}

/**
 * Splits the process filter between kernel and user space. Include mode with exe globs or container
 * ids cannot be narrowed in the kernel (a process listed only by its exe would be missed), so the
 * kernel passes all and user space filters; exclude mode can always drop the listed names and cgroups
 * in the kernel and leave the rest to user space.
 */
export function kernelProcessFilter(p: ProctapConfig['processes']): KernelProcessFilter {
  const userOnly = p.exe.length > 0 || p.containers.length > 0;
  if (p.mode === 'all') return { mode: 'all', comms: [], cgroupPaths: [], userSpaceCheck: false };
  if (p.mode === 'include' && userOnly) return { mode: 'all', comms: [], cgroupPaths: [], userSpaceCheck: true };
  return { mode: p.mode, comms: [...p.names], cgroupPaths: [...p.cgroups], userSpaceCheck: userOnly };
}
