// The incident model: everything an operator needs to judge one detection, independent of any wire
// format (the gRPC and EVE outputs convert from this).
import type { RuleSource } from '../detect/types';
import type { SocketRole, TlsLink } from '../capture/types';
import type { StreamDirection } from '../flow/types';
import type { TrafficDirection, TrafficProtocol } from '../detect/detector';

/** 1 (critical) .. 4 (low), Suricata's scale. */
export type Severity = 1 | 2 | 3 | 4;

export const SEVERITY_NAMES: Record<Severity, string> = { 1: 'critical', 2: 'high', 3: 'medium', 4: 'low' };

export interface IncidentProcess {
  pid: number;
  ppid?: number;
  uid?: number;
  comm: string;
  exe?: string;
  cmdline: string[];
  containerId?: string;
  cgroupPath?: string;
}

export interface IncidentConnection {
  localAddr: string;
  localPort: number;
  remoteAddr: string;
  remotePort: number;
  netns?: number;
  role: SocketRole;
  direction: TrafficDirection;
  protocol: TrafficProtocol;
  tls: boolean;
  tlsLink: TlsLink;
  flowId: string;
  ipVersion: 4 | 6;
}

export interface IncidentHeader {
  name: string;
  value: string;
}

export interface IncidentHttpRequest {
  method: string;
  uri: string;
  version: string;
  headers: IncidentHeader[];
  /** Redacted, capped at limits.incident_body_bytes. */
  body: Buffer;
  bodyLength: number;
  bodyTruncated: boolean;
}

export interface IncidentHttpResponse {
  version: string;
  status: number;
  reason: string;
  headers: IncidentHeader[];
  body: Buffer;
  bodyLength: number;
  bodyTruncated: boolean;
}

export interface IncidentStream {
  direction: StreamDirection;
  offset: number;
  data: Buffer;
  truncated: boolean;
}

export interface MatchedRule {
  source: RuleSource;
  id: number;
  rev: number;
  msg: string;
  severity: Severity;
  tags: string[];
  classtype: string;
  category: string;
  target: string;
  matched: string;
  points: number;
}

export interface Incident {
  /** Stable for the life of the incident, repeats included. */
  id: string;
  timeMs: number;
  lastSeenMs: number;
  host: string;
  process: IncidentProcess;
  connection: IncidentConnection;
  request?: IncidentHttpRequest;
  response?: IncidentHttpResponse;
  stream?: IncidentStream;
  rules: MatchedRule[];
  score: number;
  threshold: number;
  severity: Severity;
  summary: string;
  count: number;
  masked: boolean;
  configGeneration: number;
  /** Same process, rules and remote: repeats of one incident share it. */
  repeatKey: string;
  /** Like repeatKey without the pid, so "mask future repeats" survives process restarts. */
  maskKey: string;
}

export type IncidentEventKind = 'raised' | 'repeated' | 'updated' | 'masked' | 'replayed';

export interface IncidentEvent {
  kind: IncidentEventKind;
  incident: Incident;
}

export interface IncidentFilter {
  /** Only incidents at least this severe (1 most severe). */
  minSeverity?: Severity;
  directions?: TrafficDirection[];
  sources?: RuleSource[];
  processNames?: string[];
  includeMasked?: boolean;
}

export function matchesFilter(inc: Incident, f: IncidentFilter): boolean {
  if (inc.masked && !f.includeMasked) return false;
  if (f.minSeverity && inc.severity > f.minSeverity) return false;
  if (f.directions?.length && !f.directions.includes(inc.connection.direction)) return false;
  if (f.sources?.length && !inc.rules.some((r) => f.sources?.includes(r.source))) return false;
  if (f.processNames?.length && !f.processNames.includes(inc.process.comm)) return false;
  return true;
}
