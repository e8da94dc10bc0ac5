// Conversions between the agent's internal types and the proctap.v1 wire messages.
import type { RuleSource } from '../detect/types';
import type { TrafficDirection, TrafficProtocol, RuleLoadReport } from '../detect/detector';
import type { Incident, IncidentEventKind, IncidentFilter, Severity } from '../incidents/types';
import type { RuleStateRecord } from '../state/types';
import type {
  WireDirection,
  WireEventKind,
  WireIncident,
  WireIncidentFilter,
  WireProtocol,
  WireRuleLoadReport,
  WireRuleSource,
  WireRuleState,
  WireSeverity,
  WireTimestamp,
} from './wire';

const SEVERITY: Record<Severity, WireSeverity> = { 1: 'SEVERITY_CRITICAL', 2: 'SEVERITY_HIGH', 3: 'SEVERITY_MEDIUM', 4: 'SEVERITY_LOW' };
const SOURCE: Record<RuleSource, WireRuleSource> = { crs: 'RULE_SOURCE_CRS', et: 'RULE_SOURCE_ET' };
const DIRECTION: Record<TrafficDirection, WireDirection> = { inbound: 'DIRECTION_INBOUND', outbound: 'DIRECTION_OUTBOUND' };
const PROTOCOL: Record<TrafficProtocol, WireProtocol> = { http: 'PROTOCOL_HTTP', https: 'PROTOCOL_HTTPS', tcp: 'PROTOCOL_TCP' };
const KIND: Record<IncidentEventKind, WireEventKind> = {
  raised: 'KIND_RAISED',
  repeated: 'KIND_REPEATED',
  masked: 'KIND_MASKED',
  replayed: 'KIND_REPLAYED',
  updated: 'KIND_UPDATED',
};

export function timestamp(ms: number): WireTimestamp {
  const s = Math.floor(ms / 1000);
  return { seconds: String(s), nanos: Math.round((ms - s * 1000) * 1e6) };
}

export function timestampMs(t: WireTimestamp | null | undefined): number {
  if (!t) return 0;
  return Number(t.seconds) * 1000 + Math.round(t.nanos / 1e6);
}

export const toWireSeverity = (s: Severity): WireSeverity => SEVERITY[s];
export const toWireSource = (s: RuleSource): WireRuleSource => SOURCE[s];
export const toWireKind = (k: IncidentEventKind): WireEventKind => KIND[k];

export function fromWireSeverity(s: WireSeverity | undefined): Severity | undefined {
  const n = { SEVERITY_CRITICAL: 1, SEVERITY_HIGH: 2, SEVERITY_MEDIUM: 3, SEVERITY_LOW: 4 }[s as string];
  return n as Severity | undefined;
}

export function fromWireSource(s: WireRuleSource | undefined): RuleSource | undefined {
  return s === 'RULE_SOURCE_CRS' ? 'crs' : s === 'RULE_SOURCE_ET' ? 'et' : undefined;
}

export function fromWireDirection(d: WireDirection): TrafficDirection | undefined {
  return d === 'DIRECTION_INBOUND' ? 'inbound' : d === 'DIRECTION_OUTBOUND' ? 'outbound' : undefined;
}

export function fromWireFilter(f: WireIncidentFilter | null | undefined): IncidentFilter {
  if (!f) return {};
  return {
    minSeverity: fromWireSeverity(f.min_severity),
    directions: (f.directions ?? []).map(fromWireDirection).filter((d): d is TrafficDirection => d !== undefined),
    sources: (f.sources ?? []).map(fromWireSource).filter((s): s is RuleSource => s !== undefined),
    processNames: f.process_names ?? [],
    includeMasked: f.include_masked ?? false,
  };
}

export function toWireIncident(inc: Incident): WireIncident {
  const p = inc.process;
  const c = inc.connection;
  return {
    id: inc.id,
    time: timestamp(inc.timeMs),
    last_seen: timestamp(inc.lastSeenMs),
    host: inc.host,
    process: {
      pid: p.pid,
      ppid: p.ppid ?? 0,
      uid: p.uid ?? 0,
      comm: p.comm,
      exe: p.exe ?? '',
      cmdline: p.cmdline,
      container_id: p.containerId ?? '',
      cgroup_path: p.cgroupPath ?? '',
    },
    connection: {
      local_address: c.localAddr,
      local_port: c.localPort,
      remote_address: c.remoteAddr,
      remote_port: c.remotePort,
      netns: String(c.netns ?? 0),
      role: c.role === 'client' ? 'SOCKET_ROLE_CLIENT' : c.role === 'server' ? 'SOCKET_ROLE_SERVER' : 'SOCKET_ROLE_UNSPECIFIED',
      direction: DIRECTION[c.direction],
      protocol: PROTOCOL[c.protocol],
      tls: c.tls,
      tls_link: c.tlsLink === 'exact' ? 'TLS_LINK_EXACT' : c.tlsLink === 'inferred' ? 'TLS_LINK_INFERRED' : 'TLS_LINK_NONE',
      flow_id: c.flowId,
      ip_version: c.ipVersion,
    },
    request: inc.request
      ? {
          method: inc.request.method,
          uri: inc.request.uri,
          version: inc.request.version,
          headers: inc.request.headers,
          body: inc.request.body,
          body_length: String(inc.request.bodyLength),
          body_truncated: inc.request.bodyTruncated,
        }
      : null,
    response: inc.response
      ? {
          version: inc.response.version,
          status: inc.response.status,
          reason: inc.response.reason,
          headers: inc.response.headers,
          body: inc.response.body,
          body_length: String(inc.response.bodyLength),
          body_truncated: inc.response.bodyTruncated,
        }
      : null,
    stream: inc.stream
      ? { direction: inc.stream.direction, offset: String(inc.stream.offset), data: inc.stream.data, truncated: inc.stream.truncated }
      : null,
    rules: inc.rules.map((r) => ({
      source: SOURCE[r.source],
      id: String(r.id),
      rev: r.rev,
      msg: r.msg,
      severity: SEVERITY[r.severity],
      tags: r.tags,
      classtype: r.classtype,
      category: r.category,
      target: r.target,
      matched: r.matched,
      points: r.points,
    })),
    score: inc.score,
    threshold: inc.threshold,
    severity: SEVERITY[inc.severity],
    summary: inc.summary,
    count: String(inc.count),
    masked: inc.masked,
    config_generation: String(inc.configGeneration),
  };
}

export function toWireRuleState(r: RuleStateRecord): WireRuleState {
  return {
    rule_id: String(r.ruleId),
    source: r.source ? SOURCE[r.source] : 'RULE_SOURCE_UNSPECIFIED',
    enabled: r.enabled,
    host: r.host,
    changed_at: timestamp(r.changedAtMs),
  };
}

export function toWireRuleReport(r: RuleLoadReport, disabledByOperator: number): WireRuleLoadReport {
  const byReason: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.failedByReason)) byReason[k] = String(v);
  return {
    source: SOURCE[r.source],
    engine: r.engine,
    paths: r.paths,
    loaded: String(r.loaded),
    disabled_in_files: String(r.disabledInFiles),
    disabled_by_operator: String(disabledByOperator),
    failed: String(r.failed),
    failed_by_reason: byReason,
    failures: r.failures.slice(0, 100).map((f) => ({ file: f.file ?? '', line: f.line ?? 0, rule_id: String(f.ruleId ?? 0), reason: f.reason })),
    load_time_ms: r.loadTimeMs,
  };
}

function sevFromWire(s: WireSeverity): Severity {
  return fromWireSeverity(s) ?? 4;
}

/** The inverse of toWireIncident (for clients that print or re-export incidents). */
export function fromWireIncident(w: WireIncident): Incident {
  const p = w.process;
  const c = w.connection;
  const direction = c ? fromWireDirection(c.direction) ?? 'inbound' : 'inbound';
  const protocol: TrafficProtocol = c?.protocol === 'PROTOCOL_HTTPS' ? 'https' : c?.protocol === 'PROTOCOL_TCP' ? 'tcp' : 'http';
  return {
    id: w.id,
    timeMs: timestampMs(w.time),
    lastSeenMs: timestampMs(w.last_seen),
    host: w.host,
    process: {
      pid: p?.pid ?? 0,
      ppid: p?.ppid,
      uid: p?.uid,
      comm: p?.comm ?? '',
      exe: p?.exe || undefined,
      cmdline: p?.cmdline ?? [],
      containerId: p?.container_id || undefined,
      cgroupPath: p?.cgroup_path || undefined,
    },
    connection: {
      localAddr: c?.local_address ?? '',
      localPort: c?.local_port ?? 0,
      remoteAddr: c?.remote_address ?? '',
      remotePort: c?.remote_port ?? 0,
      netns: c ? Number(c.netns) : undefined,
      role: c?.role === 'SOCKET_ROLE_CLIENT' ? 'client' : c?.role === 'SOCKET_ROLE_SERVER' ? 'server' : 'unknown',
      direction,
      protocol,
      tls: c?.tls ?? false,
      tlsLink: c?.tls_link === 'TLS_LINK_EXACT' ? 'exact' : c?.tls_link === 'TLS_LINK_INFERRED' ? 'inferred' : 'none',
      flowId: c?.flow_id ?? '',
      ipVersion: c?.ip_version === 6 ? 6 : 4,
    },
    request: w.request
      ? {
          method: w.request.method,
          uri: w.request.uri,
          version: w.request.version,
          headers: w.request.headers,
          body: Buffer.from(w.request.body),
          bodyLength: Number(w.request.body_length),
          bodyTruncated: w.request.body_truncated,
        }
      : undefined,
    response: w.response
      ? {
          version: w.response.version,
          status: w.response.status,
          reason: w.response.reason,
          headers: w.response.headers,
          body: Buffer.from(w.response.body),
          bodyLength: Number(w.response.body_length),
          bodyTruncated: w.response.body_truncated,
        }
      : undefined,
    stream: w.stream
      ? { direction: w.stream.direction === 'to_client' ? 'to_client' : 'to_server', offset: Number(w.stream.offset), data: Buffer.from(w.stream.data), truncated: w.stream.truncated }
      : undefined,
    rules: w.rules.map((r) => ({
      source: fromWireSource(r.source) ?? 'crs',
      id: Number(r.id),
      rev: r.rev,
      msg: r.msg,
      severity: sevFromWire(r.severity),
      tags: r.tags,
      classtype: r.classtype,
      category: r.category,
      target: r.target,
      matched: r.matched,
      points: r.points,
    })),
    score: w.score,
    threshold: w.threshold,
    severity: sevFromWire(w.severity),
    summary: w.summary,
    count: Number(w.count),
    masked: w.masked,
    configGeneration: Number(w.config_generation),
    repeatKey: '',
    maskKey: '',
  };
}

/** JSON for `proctap incidents --json`: the wire message with bytes as base64 and times as ISO strings. */
export function wireIncidentToJson(w: WireIncident): Record<string, unknown> {
  const b64 = (b: Buffer | undefined): string => (b ? Buffer.from(b).toString('base64') : '');
  return {
    ...w,
    time: new Date(timestampMs(w.time)).toISOString(),
    last_seen: new Date(timestampMs(w.last_seen)).toISOString(),
    request: w.request ? { ...w.request, body: b64(w.request.body) } : null,
    response: w.response ? { ...w.response, body: b64(w.response.body) } : null,
    stream: w.stream ? { ...w.stream, data: b64(w.stream.data) } : null,
  };
}
