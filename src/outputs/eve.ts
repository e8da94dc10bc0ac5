// Incidents as Suricata EVE JSON lines (event_type "alert"): the flow 5-tuple from the client's view
// (src = client, dest = server, as Suricata writes alerts on to_server traffic), the most severe rule
// in `alert`, and everything proctap adds (process, score, every rule) under `alert.metadata` as
// arrays of strings, the shape Suricata uses for rule metadata, so its EVE schema still validates.
import * as fs from 'fs';
import * as path from 'path';
import type { Incident, MatchedRule } from '../incidents/types';

/** The `alert` object of an EVE alert line (Suricata's names). */
export interface EveAlertInfo {
  action: 'allowed';
  gid: number;
  signature_id: number;
  rev: number;
  signature: string;
  category: string;
  severity: number;
  metadata?: Record<string, string[]>;
}

/** What every EVE alert line we write has: the flow 5-tuple and the alert (Suricata's names). */
export interface EveAlertBase {
  timestamp: string;
  flow_id: number;
  event_type: 'alert';
  src_ip: string;
  src_port: number;
  dest_ip: string;
  dest_port: number;
  proto: 'TCP';
  app_proto?: string;
  direction: 'to_server' | 'to_client';
  alert: EveAlertInfo;
}

export interface EveAlert extends EveAlertBase {
  host: string;
  alert: EveAlertInfo & { metadata: Record<string, string[]> };
  http?: {
    hostname?: string;
    url: string;
    http_user_agent?: string;
    http_content_type?: string;
    http_method: string;
    protocol: string;
    status?: number;
    length?: number;
    request_headers?: { name: string; value: string }[];
    response_headers?: { name: string; value: string }[];
  };
  payload?: string;
  payload_printable?: string;
}

/** Suricata's timestamp format: 2024-01-02T03:04:05.123456+0000 (UTC). */
export function eveTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2024-01-02T03:04:05.123Z
  return `${iso.slice(0, 23)}000+0000`;
}

/** A positive 52-bit integer from the flow id (EVE flow_id is a number). */
function flowIdNumber(id: string): number {
  let h = 0x811c9dc5;
  let h2 = 0;
  for (let i = 0; i < id.length; i++) {
    h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
    h2 = (h2 * 31 + id.charCodeAt(i)) % 0x100000;
  }
  return h2 * 0x100000000 + h;
}

function top(rules: readonly MatchedRule[]): MatchedRule | undefined {
  let best: MatchedRule | undefined;
  for (const r of rules) if (!best || r.severity < best.severity || (r.severity === best.severity && r.points > best.points)) best = r;
  return best;
}

function printable(b: Buffer): string {
  return b.toString('latin1').replace(/[^\x20-\x7e\r\n\t]/g, '.');
}

export function incidentToEve(inc: Incident): EveAlert {
  const c = inc.connection;
  const localIsServer = c.role !== 'client';
  const server = localIsServer ? { ip: c.localAddr, port: c.localPort } : { ip: c.remoteAddr, port: c.remotePort };
  const client = localIsServer ? { ip: c.remoteAddr, port: c.remotePort } : { ip: c.localAddr, port: c.localPort };
  const best = top(inc.rules);
  const p = inc.process;
  const meta: Record<string, string[]> = {
    proctap_incident_id: [inc.id],
    proctap_count: [String(inc.count)],
    proctap_score: [String(inc.score)],
    proctap_threshold: [String(inc.threshold)],
    proctap_direction: [c.direction],
    proctap_protocol: [c.protocol],
    proctap_tls: [String(c.tls)],
    proctap_tls_link: [c.tlsLink],
    proctap_role: [c.role],
    process_pid: [String(p.pid)],
    process_comm: [p.comm],
    proctap_rules: inc.rules.map((r) => `${r.source}:${r.id}`),
    proctap_rule_targets: inc.rules.map((r) => `${r.source}:${r.id}:${r.target}`),
    proctap_rule_matched: inc.rules.map((r) => `${r.source}:${r.id}:${r.matched}`),
  };
  if (p.ppid !== undefined) meta.process_ppid = [String(p.ppid)];
  if (p.uid !== undefined) meta.process_uid = [String(p.uid)];
  if (p.exe) meta.process_exe = [p.exe];
  if (p.cmdline.length) meta.process_cmdline = [...p.cmdline];
  if (p.containerId) meta.container_id = [p.containerId];
  if (c.netns !== undefined) meta.netns = [String(c.netns)];
  if (best?.tags.length) meta.tag = [...best.tags];

  const ev: EveAlert = {
    timestamp: eveTimestamp(inc.lastSeenMs),
    flow_id: flowIdNumber(c.flowId),
    event_type: 'alert',
    src_ip: client.ip,
    src_port: client.port,
    dest_ip: server.ip,
    dest_port: server.port,
    proto: 'TCP',
    direction: inc.stream?.direction ?? 'to_server',
    host: inc.host,
    alert: {
      action: 'allowed',
      gid: 1,
      signature_id: best?.id ?? 0,
      rev: best?.rev ?? 0,
      signature: best?.msg ?? inc.summary,
      category: best ? best.classtype || best.category || best.source : '',
      severity: best?.severity ?? inc.severity,
      metadata: meta,
    },
  };
  if (inc.request) {
    const h = (n: string): string | undefined => inc.request?.headers.find((x) => x.name.toLowerCase() === n)?.value;
    ev.app_proto = 'http';
    ev.http = {
      hostname: h('host'),
      url: inc.request.uri,
      http_user_agent: h('user-agent'),
      http_content_type: h('content-type'),
      http_method: inc.request.method,
      protocol: inc.request.version,
      // Suricata's schema wants at least one header when the list is present.
      request_headers: inc.request.headers.length ? inc.request.headers.map((x) => ({ name: x.name, value: x.value })) : undefined,
    };
    if (inc.response) {
      ev.http.status = inc.response.status;
      ev.http.length = inc.response.bodyLength;
      if (inc.response.headers.length) ev.http.response_headers = inc.response.headers.map((x) => ({ name: x.name, value: x.value }));
    }
    for (const k of Object.keys(ev.http) as (keyof NonNullable<EveAlert['http']>)[]) if (ev.http[k] === undefined) delete ev.http[k];
    if (inc.request.body.length) {
      ev.payload = inc.request.body.toString('base64');
      ev.payload_printable = printable(inc.request.body);
    }
  } else if (inc.stream) {
    ev.payload = inc.stream.data.toString('base64');
    ev.payload_printable = printable(inc.stream.data);
  }
  return ev;
}

/** Appends EVE lines to a file (created with its directory if missing). */
export class EveWriter {
  private fd: number | undefined;
  private written = 0;

  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.fd = fs.openSync(file, 'a', 0o640);
  }

  write(inc: Incident): void {
    if (this.fd === undefined) return;
    // One write per line keeps lines whole for tail -f and log shippers.
    fs.writeSync(this.fd, JSON.stringify(incidentToEve(inc)) + '\n');
    this.written++;
  }

  get lines(): number {
    return this.written;
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}
