// `proctap waf-eval`: evaluates HTTP requests offline with the CRS engine, for users testing rules
// and exclusions and for differential tests. JSON lines in, JSON lines out:
//   in:  {"id": "1", "method": "GET", "uri": "/?a=1", "version": "HTTP/1.1",
//         "headers": [["Host", "x"]], "body_b64": "...", "client_ip": "...", ...}
//   out: {"id": "1", "matched": [920350, 949110], "anomaly_score": 8}
// A malformed line yields {"id": ..., "error": "..."} and the rest continue.
import * as fs from 'fs';
import * as readline from 'readline';
import type { Command } from 'commander';
import { UsageError } from '../usage-error';
import { CrsEngine, DEBIAN_CRS_DIR } from '../../detect/crs';
import type { CrsRequest } from '../../detect/crs';

interface WafEvalOptions {
  crs?: string;
  setup?: string;
  paranoia?: string;
  extra: string[];
  quiet?: boolean;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

/** Turns one input object into a CrsRequest, or explains what is wrong with it. */
export function requestFromJson(o: unknown): CrsRequest {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new Error('line is not a JSON object');
  const r = o as Record<string, unknown>;
  const str = (k: string, dflt?: string): string => {
    const v = r[k];
    if (v === undefined || v === null) {
      if (dflt !== undefined) return dflt;
      throw new Error(`missing "${k}"`);
    }
    if (typeof v !== 'string') throw new Error(`"${k}" must be a string`);
    return v;
  };
  const port = (k: string): number | undefined => {
    const v = r[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535) throw new Error(`"${k}" must be a port number`);
    return v;
  };
  let headers: Array<[string, string]> = [];
  const h = r.headers;
  if (Array.isArray(h)) {
    headers = h.map((p, i) => {
      if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'string' || typeof p[1] !== 'string') {
        throw new Error(`headers[${i}] must be a [name, value] pair of strings`);
      }
      return [p[0], p[1]];
    });
  } else if (h !== undefined && h !== null) {
    throw new Error('"headers" must be an array of [name, value] pairs');
  }
  const latin1 = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');
  let body: Buffer | undefined;
  if (r.body_b64 !== undefined && r.body_b64 !== null) {
    if (typeof r.body_b64 !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(r.body_b64.replace(/\s+/g, ''))) {
      throw new Error('"body_b64" must be base64 text');
    }
    body = Buffer.from(r.body_b64, 'base64');
  }
  return {
    method: latin1(str('method')),
    uri: latin1(str('uri')),
    version: str('version', 'HTTP/1.1'),
    headers: headers.map(([k, v]) => [latin1(k), latin1(v)]),
    body,
    clientIp: r.client_ip === undefined ? undefined : str('client_ip'),
    clientPort: port('client_port'),
    serverIp: r.server_ip === undefined ? undefined : str('server_ip'),
    serverPort: port('server_port'),
  };
}

export function register(program: Command): void {
  program
    .command('waf-eval')
    .description('evaluate HTTP requests (JSON lines on stdin) with the CRS engine; one JSON line out per request')
    .option('--crs <dir>', `CRS directory with rules/*.conf (default: Debian's ${DEBIAN_CRS_DIR})`)
    .option('--setup <file>', 'crs-setup file (default: DIR/crs-setup.conf or crs-setup.conf.example)')
    .option('--paranoia <n>', 'paranoia level 1-4 (overrides the setup)')
    .option('--extra <file.conf>', 'SecLang file loaded after the setup, before the rules (repeatable)', collect, [])
    .option('--quiet', 'do not print rule-load problems on stderr')
    .action(async (opts: WafEvalOptions) => {
      let paranoia: number | undefined;
      if (opts.paranoia !== undefined) {
        paranoia = Number(opts.paranoia);
        if (!Number.isInteger(paranoia) || paranoia < 1 || paranoia > 4) throw new UsageError(`--paranoia must be 1-4, got "${opts.paranoia}"`);
      }
      const crsDir = opts.crs ?? DEBIAN_CRS_DIR;
      if (!fs.existsSync(crsDir)) throw new UsageError(`--crs: no such directory ${crsDir}`);
      if (opts.setup !== undefined && !fs.existsSync(opts.setup)) throw new UsageError(`--setup: no such file ${opts.setup}`);
      for (const f of opts.extra) if (!fs.existsSync(f)) throw new UsageError(`--extra: no such file ${f}`);
      const { engine, report } = CrsEngine.load({ crsDir, setupFile: opts.setup, paranoia, extraFiles: opts.extra });
      if (!opts.quiet) {
        for (const e of report.errors) process.stderr.write(`proctap waf-eval: ${e.file}:${e.line}: ${e.message}\n`);
      }
      if (report.rules === 0) {
        process.stderr.write(`proctap waf-eval: no rules loaded from ${crsDir}\n`);
        process.exitCode = 1;
        return;
      }
      const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
      let n = 0;
      for await (const line of rl) {
        n++;
        if (line.trim() === '') continue;
        let id: unknown = n;
        let out: Record<string, unknown>;
        try {
          let parsed: unknown;
          try {
            parsed = JSON.parse(line);
          } catch (err) {
            throw new Error(`line ${n}: invalid JSON: ${(err as Error).message}`);
          }
          if (parsed && typeof parsed === 'object' && 'id' in parsed) id = (parsed as { id: unknown }).id;
          const req = requestFromJson(parsed);
          const tx = engine.newTransaction(req);
          const r = tx.evaluateRequest();
          out = { id, matched: r.matchedIds, anomaly_score: r.inboundScore };
        } catch (err) {
          out = { id, error: (err as Error).message };
        }
        process.stdout.write(JSON.stringify(out) + '\n');
      }
    });
}
