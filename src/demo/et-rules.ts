// ET Open for the demo: the rules directory if it has rules; else `proctap rules update` from the
// official URL; offline, from the ET Open snapshot next to the repository (../shared/data), served
// to the update command on a loopback port (the source is printed); else the demo runs without ET.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { etRuleFiles } from '../detect/et-detector';
import { DEFAULT_ET_URL } from '../detect/suricata/update';
import { packageRoot } from '../util/package-root';

export const LOCAL_ET_SNAPSHOT = '../shared/data/et-open/emerging-all.rules.tar.gz';

export function hasEtRules(dir: string): boolean {
  return etRuleFiles([dir]).files.length > 0;
}

/** Runs this CLI's `rules update` (same node, same entry point); resolves to its exit code. */
function rulesUpdate(args: string[], log: (l: string) => void): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1], 'rules', 'update', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    // The summary lines only (the full load report is long: `proctap rules check DIR` prints it).
    let shown = 0;
    const relay = (d: Buffer) => {
      for (const l of d.toString().split('\n')) {
        if (!l.trim() || /^\s/.test(l) || shown >= 6) continue;
        shown++;
        log(`  | ${l}`);
      }
    };
    child.stdout.on('data', relay);
    child.stderr.on('data', relay);
    child.on('exit', (code) => resolve(code ?? 1));
    child.on('error', () => resolve(1));
  });
}

/** Serves one file on 127.0.0.1 (an ephemeral port) until closed. */
async function serveFile(file: string): Promise<{ url: string; close: () => Promise<void> }> {
  const srv = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/gzip', 'Content-Length': fs.statSync(file).size });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/${path.basename(file)}`, close: () => new Promise((r) => srv.close(() => r())) };
}

/** Makes sure `dir` holds ET rules if it can; returns whether it does. */
export async function ensureEtRules(dir: string, log: (l: string) => void, opts: { offline?: boolean } = {}): Promise<boolean> {
  if (hasEtRules(dir)) {
    log(`ET Open: using the rules in ${dir}`);
    return true;
  }
  if (!opts.offline) {
    // A quick reachability check first, so an offline machine does not wait for the download timeout.
    const reach = await fetch(DEFAULT_ET_URL, { method: 'HEAD', signal: AbortSignal.timeout(5000) }).then(
      (r) => (r.ok ? '' : `HTTP ${r.status}`),
      (e: Error) => (e.cause as Error | undefined)?.message ?? e.message,
    );
    if (reach) log(`ET Open: ${dir} is empty and ${DEFAULT_ET_URL} is unreachable (${reach})`);
    else {
      log(`ET Open: ${dir} is empty; running \`proctap rules update\` from ${DEFAULT_ET_URL}`);
      if ((await rulesUpdate(['--dest', dir, '--et-url', DEFAULT_ET_URL], log)) === 0 && hasEtRules(dir)) return true;
    }
  }
  const snapshot = path.resolve(packageRoot(), LOCAL_ET_SNAPSHOT);
  if (fs.existsSync(snapshot)) {
    const srv = await serveFile(snapshot);
    log(`ET Open: installing the local snapshot ${snapshot} with \`proctap rules update --et-url ${srv.url}\``);
    try {
      if ((await rulesUpdate(['--dest', dir, '--et-url', srv.url], log)) === 0 && hasEtRules(dir)) return true;
    } finally {
      await srv.close();
    }
  }
  log('ET Open: no rules could be installed; the demo runs without ET (CRS only)');
  return false;
}
