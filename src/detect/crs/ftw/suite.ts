// Reads CRS regression tests in both formats into one shape: go-ftw (CRS 4: input/output with
// log.expect_ids) and the old ftw (CRS 3: stage/input/output with log_contains regexes).
import * as fs from 'fs';
import * as path from 'path';
import YAML from 'yaml';
import type { CrsRequest } from '../types';
import { parseRawRequest } from './raw-request';

export interface FtwExpect {
  ids: number[];
  noIds: number[];
  /** Regexes that must (not) match the synthetic error log. */
  logRegex: string[];
  noLogRegex: string[];
  /** Only an HTTP status (or a client-side error) is checked: not decidable offline. */
  statusOnly: boolean;
}

export interface FtwStage {
  request: CrsRequest;
  expect: FtwExpect;
}

export interface FtwTest {
  /** e.g. 920100-1 */
  id: string;
  file: string;
  stages: FtwStage[];
}

export interface FtwReadOptions {
  /** Content-Type to add when a test sends data without one (old ftw sent form data). */
  defaultContentType?: string;
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.yaml') ? [path.join(dir, e.name)] : [],
  ).sort();
}

function asIds(v: unknown): number[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => Number(x));
}

function asList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => String(x));
}

interface RawInput {
  method?: string;
  uri?: string;
  version?: string;
  protocol?: string;
  headers?: Record<string, unknown>;
  data?: unknown;
  encoded_request?: string;
  raw_request?: string;
  autocomplete_headers?: boolean;
  stop_magic?: boolean;
}

/** The CRS CI sends from a container network, not loopback (CRS exempts some loopback requests). */
export const CLIENT_IP = '172.17.0.1';

function buildRequest(input: RawInput, opts: FtwReadOptions): CrsRequest {
  if (input.encoded_request) return { ...parseRawRequest(Buffer.from(input.encoded_request, 'base64')), clientIp: CLIENT_IP };
  // old ftw wrote raw_request text to the socket UTF-8 encoded
  if (input.raw_request) return { ...parseRawRequest(Buffer.from(String(input.raw_request), 'utf8')), clientIp: CLIENT_IP };
  const headers: Array<[string, string]> = Object.entries(input.headers ?? {}).map(([k, v]) => [k, String(v)]);
  let data: string | undefined;
  if (Array.isArray(input.data)) data = input.data.map(String).join('\r\n') + '\r\n';
  else if (input.data !== undefined && input.data !== null) data = String(input.data);
  const body = data !== undefined ? Buffer.from(data, 'utf8') : undefined;
  const magic = input.autocomplete_headers !== false && input.stop_magic !== true;
  if (body && magic) {
    if (!headers.some(([k]) => k.toLowerCase() === 'content-length')) headers.push(['Content-Length', String(body.length)]);
    if (opts.defaultContentType && !headers.some(([k]) => k.toLowerCase() === 'content-type')) headers.push(['Content-Type', opts.defaultContentType]);
  }
  // HTTP/1.1 framing as the server applies it: without Content-Length or chunked coding there
  // is no body; with both, the chunked coding wins and Content-Length is dropped (RFC 9112 6.3).
  let finalBody: Buffer | undefined = body;
  const hasHeader = (n: string): boolean => headers.some(([k]) => k.toLowerCase() === n);
  const chunked = headers.some(([k, v]) => k.toLowerCase() === 'transfer-encoding' && /chunked/i.test(v));
  if (finalBody && !chunked && !hasHeader('content-length')) finalBody = undefined;
  if (finalBody && chunked) {
    finalBody = parseRawRequest(Buffer.concat([Buffer.from('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n'), finalBody])).body;
    for (let i = headers.length - 1; i >= 0; i--) if (headers[i][0].toLowerCase() === 'content-length') headers.splice(i, 1);
  }
  const method = input.method ?? 'GET';
  const uri = input.uri ?? '/';
  const version = input.version ?? 'HTTP/1.1';
  return {
    method,
    uri: Buffer.from(uri, 'utf8').toString('latin1'),
    version,
    headers: headers.map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('latin1')]),
    body: finalBody,
    clientIp: CLIENT_IP,
  };
}

export function readSuite(testsDir: string, opts: FtwReadOptions = {}): FtwTest[] {
  const out: FtwTest[] = [];
  for (const file of walk(testsDir)) {
    const doc = YAML.parse(fs.readFileSync(file, 'utf8')) as { rule_id?: number; tests?: Array<Record<string, unknown>> } | null;
    if (!doc || !Array.isArray(doc.tests)) continue;
    const base = path.basename(file, '.yaml');
    for (const t of doc.tests) {
      const id = t.test_title !== undefined ? String(t.test_title) : `${doc.rule_id ?? base}-${String(t.test_id)}`;
      const stages: FtwStage[] = [];
      for (const s of (t.stages as Array<Record<string, unknown>>) ?? []) {
        const st = (s.stage ?? s) as { input?: RawInput; output?: Record<string, unknown> };
        const input = st.input ?? {};
        const output = st.output ?? {};
        const log = (output.log ?? {}) as Record<string, unknown>;
        const expect: FtwExpect = {
          ids: [...asIds(log.expect_ids), ...asIds(log.expect_id)],
          noIds: [...asIds(log.no_expect_ids), ...asIds(log.no_expect_id)],
          logRegex: [...asList(output.log_contains), ...asList(log.match_regex)],
          noLogRegex: [...asList(output.no_log_contains), ...asList(log.no_match_regex)],
          statusOnly: false,
        };
        expect.statusOnly = expect.ids.length + expect.noIds.length + expect.logRegex.length + expect.noLogRegex.length === 0;
        stages.push({ request: buildRequest(input, opts), expect });
      }
      out.push({ id, file, stages });
    }
  }
  return out;
}
