// `proctap rules update`: download an ET Open tarball, apply suricata-update style enable/disable
// lists, check that the result loads, then switch the rules directory atomically. `dest` is a
// symlink to a versioned directory beside it (`<dest>-versions/<stamp>`); the switch is one
// rename(2) of a new symlink over it, so readers see the old set or the new one, never a mix.
// Any failure (download, archive, no rules, too few rules load) leaves the old rules in place.
import * as fs from 'fs';
import * as path from 'path';
import { formatReport, loadRules, type LoadOptions, type LoadReport } from './load';
import { readTar } from './tar';

export const DEFAULT_ET_URL = 'https://rules.emergingthreats.net/open/suricata-7.0.3/emerging.rules.tar.gz';

export interface UpdateOptions {
  url: string;
  dest: string;
  disableConf?: string;
  enableConf?: string;
  /** Least share of enabled HTTP/TCP rules that must load (default 0.9). */
  minLoadRatio?: number;
  timeoutMs?: number;
  maxBytes?: number;
  load?: LoadOptions;
}

export interface UpdateResult {
  dest: string;
  version: string;
  files: string[];
  enabledByConf: number;
  disabledByConf: number;
  report: LoadReport;
}

export class RulesUpdateError extends Error {}

type Matcher = (rule: string, file: string) => boolean;

/** Parses an enable/disable list: `2019401`, `1:2019401`, `re:regex`, `group:emerging-scan.rules` (globs). */
export function parseModifyConf(text: string, name: string): Matcher[] {
  const out: Matcher[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/\s+#.*$/, '').trim();
    if (!line || line.startsWith('#')) return;
    let m: RegExpExecArray | null;
    if ((m = /^(?:(\d+):)?(\d+)$/.exec(line))) {
      const gid = m[1] ? Number(m[1]) : 1;
      const sid = Number(m[2]);
      out.push((rule) => ruleSid(rule) === sid && ruleGid(rule) === gid);
    } else if (line.startsWith('re:')) {
      let re: RegExp;
      try {
        re = new RegExp(line.slice(3), 'i');
      } catch (e) {
        throw new RulesUpdateError(`${name}:${i + 1}: bad regular expression: ${(e as Error).message}`);
      }
      out.push((rule) => re.test(rule));
    } else if (line.startsWith('group:')) {
      const glob = line.slice(6).trim();
      const re = new RegExp('^' + glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
      out.push((_rule, file) => re.test(file) || re.test(file.replace(/\.rules$/, '')));
    } else throw new RulesUpdateError(`${name}:${i + 1}: expected a sid, gid:sid, re:REGEX or group:FILE, got "${line}"`);
  });
  return out;
}

function ruleSid(rule: string): number | undefined {
  const m = /[(;]\s*sid\s*:\s*(\d+)/.exec(rule);
  return m ? Number(m[1]) : undefined;
}

function ruleGid(rule: string): number {
  const m = /[(;]\s*gid\s*:\s*(\d+)/.exec(rule);
  return m ? Number(m[1]) : 1;
}

const DISABLED_RULE = /^#+\s*((?:alert|drop|reject|rejectsrc|rejectdst|rejectboth|pass)\s.*\(.*\bsid\s*:.*)$/;
const RULE = /^(alert|drop|reject|rejectsrc|rejectdst|rejectboth|pass)\s/;

/** Enables then disables (disable wins), as lines; returns the new text and the counts. */
export function applyModify(text: string, file: string, enable: Matcher[], disable: Matcher[]): { text: string; enabled: number; disabled: number } {
  let enabled = 0;
  let disabled = 0;
  const lines = text.split('\n').map((line) => {
    const t = line.trim();
    const dm = DISABLED_RULE.exec(t);
    if (dm && enable.some((m) => m(dm[1], file)) && !disable.some((m) => m(dm[1], file))) {
      enabled++;
      return dm[1];
    }
    if (RULE.test(t) && disable.some((m) => m(t, file))) {
      disabled++;
      return '# ' + t;
    }
    return line;
  });
  return { text: lines.join('\n'), enabled, disabled };
}

/** The .rules files of a rules directory (following the dest symlink), sorted. */
export function ruleFilesIn(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.rules'))
    .sort()
    .map((n) => path.join(dir, n));
}

async function download(url: string, timeoutMs: number, maxBytes: number): Promise<Buffer> {
  // A local archive (file:// URL or a path) for hosts without access to the rule server.
  if (url.startsWith('file://') || !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    const file = url.startsWith('file://') ? new URL(url).pathname : url;
    try {
      if (fs.statSync(file).size > maxBytes) throw new RulesUpdateError(`${file} is larger than ${maxBytes} bytes`);
      return fs.readFileSync(file);
    } catch (e) {
      if (e instanceof RulesUpdateError) throw e;
      throw new RulesUpdateError(`cannot read ${file}: ${(e as Error).message}`);
    }
  }
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    throw new RulesUpdateError(`download of ${url} failed: ${(e as Error).message}`);
  }
  if (!res.ok) throw new RulesUpdateError(`download of ${url} failed: HTTP ${res.status}`);
  const body = Buffer.from(await res.arrayBuffer());
  if (body.length > maxBytes) throw new RulesUpdateError(`download of ${url} is larger than ${maxBytes} bytes`);
  return body;
}

export async function updateRules(o: UpdateOptions): Promise<UpdateResult> {
  const enable = o.enableConf ? parseModifyConf(fs.readFileSync(o.enableConf, 'utf8'), o.enableConf) : [];
  const disable = o.disableConf ? parseModifyConf(fs.readFileSync(o.disableConf, 'utf8'), o.disableConf) : [];
  const archive = await download(o.url, o.timeoutMs ?? 120_000, o.maxBytes ?? 512 * 1024 * 1024);
  let entries;
  try {
    entries = readTar(archive);
  } catch (e) {
    throw new RulesUpdateError(`${o.url} is not a usable tar.gz: ${(e as Error).message}`);
  }
  const files = entries
    .map((e) => ({ name: path.basename(e.name), data: e.data }))
    .filter((e) => /^[\w.+-]+\.(rules|config|map|txt|md)$/.test(e.name) && !e.name.startsWith('.'));
  if (!files.some((f) => f.name.endsWith('.rules'))) throw new RulesUpdateError(`${o.url}: no .rules files in the archive`);

  const dest = path.resolve(o.dest);
  const versions = `${dest}-versions`;
  fs.mkdirSync(versions, { recursive: true });
  const version = new Date().toISOString().replace(/[:.]/g, '-') + `-${process.pid}`;
  const vdir = path.join(versions, version);
  fs.mkdirSync(vdir);
  let enabledByConf = 0;
  let disabledByConf = 0;
  try {
    for (const f of files) {
      let data = f.data;
      if (f.name.endsWith('.rules') && (enable.length || disable.length)) {
        const r = applyModify(data.toString('utf8'), f.name, enable, disable);
        enabledByConf += r.enabled;
        disabledByConf += r.disabled;
        data = Buffer.from(r.text, 'utf8');
      }
      fs.writeFileSync(path.join(vdir, f.name), data);
    }
    const { report } = loadRules(ruleFilesIn(vdir), o.load);
    const ratio = report.httpTcpEnabled ? report.httpTcpLoaded / report.httpTcpEnabled : 0;
    if (report.loaded === 0 || ratio < (o.minLoadRatio ?? 0.9)) {
      throw new RulesUpdateError(`the new rule set does not load well enough; old rules kept.\n${formatReport(report, 2)}`);
    }
    switchTo(dest, vdir, versions);
    return { dest, version, files: files.map((f) => f.name), enabledByConf, disabledByConf, report };
  } catch (e) {
    fs.rmSync(vdir, { recursive: true, force: true });
    throw e;
  }
}

/** Points dest at vdir with one rename; keeps the previous version, prunes older ones. */
function switchTo(dest: string, vdir: string, versions: string): void {
  let previous: string | undefined;
  const st = fs.lstatSync(dest, { throwIfNoEntry: false });
  if (st?.isSymbolicLink()) previous = path.resolve(path.dirname(dest), fs.readlinkSync(dest));
  else if (st) {
    // First update over a plain directory: move it into the versions folder (a one-time, non-atomic step).
    previous = path.join(versions, 'original-' + Date.now());
    fs.renameSync(dest, previous);
  }
  const tmp = `${dest}.tmp-${process.pid}`;
  fs.rmSync(tmp, { force: true });
  fs.symlinkSync(path.relative(path.dirname(dest), vdir), tmp);
  fs.renameSync(tmp, dest);
  for (const name of fs.readdirSync(versions)) {
    const p = path.join(versions, name);
    if (p !== vdir && p !== previous) fs.rmSync(p, { recursive: true, force: true });
  }
}
