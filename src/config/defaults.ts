// Default configuration: analyse everything, both directions, all rule categories, redaction on.
import type { ProctapConfig, DirectionRulesets } from './types';

export const DEFAULT_GRPC_LISTEN = '127.0.0.1:50051';
export const DEFAULT_METRICS_LISTEN = '127.0.0.1:9464';

function allRulesets(): DirectionRulesets {
  return {
    http: { crs: ['all'], et: ['all'] },
    https: { crs: ['all'], et: ['all'] },
    // CRS is an HTTP rule set; raw TCP streams get ET's tcp rules only.
    tcp: { crs: [], et: ['all'] },
  };
}

export function defaultConfig(): ProctapConfig {
  return {
    host: { name: '' },
    analysis: { enabled: true },
    processes: { mode: 'all', names: [], exe: [], cgroups: [], containers: [] },
    https: { enabled: true },
    rules: {
      crs: { enabled: true, dir: '/usr/share/modsecurity-crs', setup: '/etc/modsecurity/crs/crs-setup.conf' },
      et: { enabled: true, dir: '/var/lib/proctap/rules/et', vars: {} },
      inbound: allRulesets(),
      outbound: allRulesets(),
      disabled: [],
    },
    detection: {
      paranoia: 1,
      thresholds: { inbound: 5, outbound: 4 },
      severity_points: { '1': 5, '2': 4, '3': 3, '4': 2 },
    },
    limits: {
      payload_cap_bytes: 16384,
      stream_depth_bytes: 1024 * 1024,
      memory_bytes: 256 * 1024 * 1024,
      incident_body_bytes: 4096,
    },
    incidents: { repeat_window_seconds: 300, keep: 5000 },
    redaction: {
      enabled: true,
      headers: ['authorization', 'proxy-authorization', 'cookie', 'set-cookie'],
      body_fields: ['password', 'passwd', 'pwd', 'token', 'secret', 'api_key', 'apikey', 'credential', 'private_key'],
      replacement: '[REDACTED]',
    },
    outputs: {
      eve: { enabled: false, path: '/var/log/proctap/eve.json' },
      grpc: { enabled: true, listen: DEFAULT_GRPC_LISTEN },
      metrics: { enabled: true, listen: DEFAULT_METRICS_LISTEN },
      console: { enabled: false },
    },
  };
}
