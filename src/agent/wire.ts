// TypeScript shapes of the proctap.v1 messages as @grpc/proto-loader presents them with the options
// in proto.ts (field names as in the .proto, 64-bit integers as decimal strings, enums as their
// names, bytes as Buffers). Writing a message, optional fields may be left out; reading one, every
// field is present (defaults: true).

export type WireSeverity = 'SEVERITY_UNSPECIFIED' | 'SEVERITY_CRITICAL' | 'SEVERITY_HIGH' | 'SEVERITY_MEDIUM' | 'SEVERITY_LOW';
export type WireRuleSource = 'RULE_SOURCE_UNSPECIFIED' | 'RULE_SOURCE_CRS' | 'RULE_SOURCE_ET';
export type WireDirection = 'DIRECTION_UNSPECIFIED' | 'DIRECTION_INBOUND' | 'DIRECTION_OUTBOUND';
export type WireProtocol = 'PROTOCOL_UNSPECIFIED' | 'PROTOCOL_HTTP' | 'PROTOCOL_HTTPS' | 'PROTOCOL_TCP';
export type WireSocketRole = 'SOCKET_ROLE_UNSPECIFIED' | 'SOCKET_ROLE_CLIENT' | 'SOCKET_ROLE_SERVER';
export type WireTlsLink = 'TLS_LINK_UNSPECIFIED' | 'TLS_LINK_NONE' | 'TLS_LINK_EXACT' | 'TLS_LINK_INFERRED';
export type WireEventKind = 'KIND_UNSPECIFIED' | 'KIND_RAISED' | 'KIND_REPEATED' | 'KIND_MASKED' | 'KIND_REPLAYED' | 'KIND_UPDATED';

/** google.protobuf.Timestamp (seconds as a decimal string). */
export interface WireTimestamp {
  seconds: string;
  nanos: number;
}

export interface WireProcess {
  pid: number;
  ppid: number;
  uid: number;
  comm: string;
  exe: string;
  cmdline: string[];
  container_id: string;
  cgroup_path: string;
}

export interface WireConnection {
  local_address: string;
  local_port: number;
  remote_address: string;
  remote_port: number;
  netns: string;
  role: WireSocketRole;
  direction: WireDirection;
  protocol: WireProtocol;
  tls: boolean;
  tls_link: WireTlsLink;
  flow_id: string;
  ip_version: number;
}

export interface WireHeader {
  name: string;
  value: string;
}

export interface WireHttpRequest {
  method: string;
  uri: string;
  version: string;
  headers: WireHeader[];
  body: Buffer;
  body_length: string;
  body_truncated: boolean;
}

export interface WireHttpResponse {
  version: string;
  status: number;
  reason: string;
  headers: WireHeader[];
  body: Buffer;
  body_length: string;
  body_truncated: boolean;
}

export interface WireStreamData {
  direction: string;
  offset: string;
  data: Buffer;
  truncated: boolean;
}

export interface WireMatchedRule {
  source: WireRuleSource;
  id: string;
  rev: number;
  msg: string;
  severity: WireSeverity;
  tags: string[];
  classtype: string;
  category: string;
  target: string;
  matched: string;
  points: number;
}

export interface WireIncident {
  id: string;
  time: WireTimestamp | null;
  last_seen: WireTimestamp | null;
  host: string;
  process: WireProcess | null;
  connection: WireConnection | null;
  request: WireHttpRequest | null;
  response: WireHttpResponse | null;
  stream: WireStreamData | null;
  rules: WireMatchedRule[];
  score: number;
  threshold: number;
  severity: WireSeverity;
  summary: string;
  count: string;
  masked: boolean;
  config_generation: string;
}

export interface WireIncidentFilter {
  min_severity?: WireSeverity;
  directions?: WireDirection[];
  sources?: WireRuleSource[];
  process_names?: string[];
  include_masked?: boolean;
}

export interface WireSubscribeIncidentsRequest {
  filter?: WireIncidentFilter | null;
  replay?: number;
}

export interface WireIncidentEvent {
  kind: WireEventKind;
  incident: WireIncident | null;
}

export interface WireListIncidentsRequest {
  filter?: WireIncidentFilter | null;
  limit?: number;
}

export interface WireListIncidentsResponse {
  incidents: WireIncident[];
  total: string;
}

export type WireGetConfigRequest = Record<string, never>;

export interface WireGetConfigResponse {
  yaml: string;
  generation: string;
}

export interface WireSetConfigRequest {
  yaml: string;
  expected_generation?: string | number;
}

export interface WireSetConfigResponse {
  generation: string;
  notes: string[];
}

export interface WireMaskIncidentRequest {
  id: string;
  future?: boolean;
  reason?: string;
}

export interface WireMaskIncidentResponse {
  incident: WireIncident | null;
}

export interface WireSetRuleStateRequest {
  rule_id: string | number;
  source?: WireRuleSource;
  enabled: boolean;
  host?: string;
}

export interface WireRuleState {
  rule_id: string;
  source: WireRuleSource;
  enabled: boolean;
  host: string;
  changed_at: WireTimestamp | null;
}

export interface WireSetRuleStateResponse {
  rules: WireRuleState[];
  disabled_on_this_host: string[];
}

export type WireGetStatusRequest = Record<string, never>;

export interface WireProbe {
  name: string;
  kind: string;
  target: string;
  attached: boolean;
  error: string;
}

export interface WireRuleLoadFailure {
  file: string;
  line: number;
  rule_id: string;
  reason: string;
}

export interface WireRuleLoadReport {
  source: WireRuleSource;
  engine: string;
  paths: string[];
  loaded: string;
  disabled_in_files: string;
  disabled_by_operator: string;
  failed: string;
  failed_by_reason: Record<string, string>;
  failures: WireRuleLoadFailure[];
  load_time_ms: number;
}

export interface WireGetStatusResponse {
  version: string;
  host: string;
  started_at: WireTimestamp | null;
  config_generation: string;
  analysis_enabled: boolean;
  capture_path: string;
  https_enabled: boolean;
  probes: WireProbe[];
  counters: Record<string, string>;
  rules: WireRuleLoadReport[];
  incidents_held: string;
  incidents_masked: string;
  grpc_listen: string;
  metrics_listen: string;
  eve_path: string;
}
