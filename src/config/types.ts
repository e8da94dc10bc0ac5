// The configuration of a sensor, exactly as in the YAML file (snake_case keys, so error messages and
// the file use the same names). See README "Configuration" for every field.

export type ProcessMode = 'all' | 'include' | 'exclude';
export type Direction = 'inbound' | 'outbound';
export type AnalysisProtocol = 'http' | 'https' | 'tcp';

/** Which rule categories apply: ['all'], [] (none), or category names. */
export interface RulesetSelection {
  crs: string[];
  et: string[];
}

export type DirectionRulesets = Record<AnalysisProtocol, RulesetSelection>;

export interface ProctapConfig {
  host: {
    /** Host name used in incidents and per-host rule states; '' = the machine's host name. */
    name: string;
  };
  analysis: { enabled: boolean };
  processes: {
    mode: ProcessMode;
    /** Process names (comm, exact). */
    names: string[];
    /** Executable path globs: `*` within a path segment, `**` across segments, `?` one character. */
    exe: string[];
    /** cgroup v2 paths; a process matches when its cgroup is this path or below it. */
    cgroups: string[];
    /** Container ids; prefixes of at least 12 characters match. */
    containers: string[];
  };
  https: { enabled: boolean };
  rules: {
    crs: { enabled: boolean; dir: string; setup: string };
    et: { enabled: boolean; dir: string; vars: Record<string, string> };
    inbound: DirectionRulesets;
    outbound: DirectionRulesets;
    /** Rule ids turned off on this host (like the seed's ignored_rule_ids). */
    disabled: number[];
  };
  detection: {
    paranoia: 1 | 2 | 3 | 4;
    thresholds: Record<Direction, number>;
    /** Points an ET match adds, by severity 1..4. */
    severity_points: Record<'1' | '2' | '3' | '4', number>;
  };
  limits: {
    /** Bytes of payload copied per capture event. */
    payload_cap_bytes: number;
    /** Bytes inspected per flow direction. */
    stream_depth_bytes: number;
    /** Memory for flows and reassembly, all flows together. */
    memory_bytes: number;
    /** Bytes of request/response body kept in an incident. */
    incident_body_bytes: number;
  };
  incidents: {
    /** Same process + rules + remote within this many seconds counts as a repeat. */
    repeat_window_seconds: number;
    /** Incidents kept in memory for listing. */
    keep: number;
  };
  redaction: {
    enabled: boolean;
    /** Header names (case-insensitive) whose values are replaced. */
    headers: string[];
    /** Body/query field names containing one of these (case-insensitive) have their values replaced. */
    body_fields: string[];
    replacement: string;
  };
  outputs: {
    eve: { enabled: boolean; path: string };
    grpc: { enabled: boolean; listen: string };
    metrics: { enabled: boolean; listen: string };
    /** The readable live table on stdout. */
    console: { enabled: boolean };
  };
}
