// Turns an untrusted document (parsed YAML/JSON) into a complete ProctapConfig, or a list of errors
// that each name the field. Shapes and types come from the defaults; meanings are checked below.
import { defaultConfig } from './defaults';
import { ALL, CRS_CATEGORIES, ET_CATEGORIES } from './categories';
import type { ProctapConfig } from './types';

export type ValidationResult = { ok: true; config: ProctapConfig } | { ok: false; errors: string[] };

/** Maps whose keys are free (string -> string). */
const FREE_MAPS = new Set(['rules.et.vars']);
/** Arrays of integers (every other default array holds strings). */
const NUMBER_ARRAYS = new Set(['rules.disabled']);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (isPlainObject(v)) return 'a mapping';
  if (typeof v === 'string') return `'${v}'`;
  return String(v);
}

/** Overlays `input` on `def` following def's shape; records type errors by path. */
function overlay(def: unknown, input: unknown, path: string, errors: string[]): unknown {
  if (input === undefined) return structuredClone(def);
  if (isPlainObject(def)) {
    if (input === null) return structuredClone(def);
    if (!isPlainObject(input)) {
      errors.push(`${path}: expected a mapping, got ${describe(input)}`);
      return structuredClone(def);
    }
    if (FREE_MAPS.has(path)) {
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(input)) {
        if (typeof v !== 'string' && typeof v !== 'number') errors.push(`${path}.${k}: expected a string, got ${describe(v)}`);
        else out[k] = String(v);
      }
      return out;
    }
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(input)) {
      if (!(k in def)) errors.push(`${path ? path + '.' : ''}${k}: unknown field (known: ${Object.keys(def).join(', ')})`);
    }
    for (const [k, dv] of Object.entries(def)) out[k] = overlay(dv, input[k], path ? `${path}.${k}` : k, errors);
    return out;
  }
  if (Array.isArray(def)) {
    if (input === null) return [];
    if (!Array.isArray(input)) {
      errors.push(`${path}: expected a list, got ${describe(input)}`);
      return structuredClone(def);
    }
    const wantNumber = NUMBER_ARRAYS.has(path);
    const out: unknown[] = [];
    input.forEach((v, i) => {
      if (wantNumber ? typeof v === 'number' && Number.isInteger(v) && v > 0 : typeof v === 'string') out.push(v);
      else errors.push(`${path}[${i}]: expected ${wantNumber ? 'a positive integer' : 'a string'}, got ${describe(v)}`);
    });
    return out;
  }
  if (input === null) return def;
  if (typeof def === 'number') {
    if (typeof input !== 'number' || !Number.isFinite(input)) {
      errors.push(`${path}: expected a number, got ${describe(input)}`);
      return def;
    }
    if (!Number.isInteger(input) || input < 0) {
      errors.push(`${path}: expected a non-negative integer, got ${input}`);
      return def;
    }
    return input;
  }
  if (typeof def === 'boolean') {
    if (typeof input !== 'boolean') {
      errors.push(`${path}: expected true or false, got ${describe(input)}`);
      return def;
    }
    return input;
  }
  if (typeof def === 'string') {
    if (typeof input !== 'string') {
      errors.push(`${path}: expected a string, got ${describe(input)}`);
      return def;
    }
    return input;
  }
  return input;
}

function checkRange(errors: string[], path: string, v: number, min: number, max: number): void {
  if (v < min || v > max) errors.push(`${path}: must be between ${min} and ${max}, got ${v}`);
}

export function checkListen(errors: string[], path: string, addr: string): void {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(addr);
  if (!m || Number(m[2]) > 65535) errors.push(`${path}: expected HOST:PORT (e.g. 127.0.0.1:50051 or [::1]:50051), got '${addr}'`);
}

const CRS_NAMES = CRS_CATEGORIES.map((c) => c.name);

function checkCategories(errors: string[], path: string, list: string[], known: readonly string[]): void {
  for (const [i, name] of list.entries()) {
    if (name !== ALL && !known.includes(name)) {
      errors.push(`${path}[${i}]: unknown category '${name}' (known: all, ${known.join(', ')})`);
    }
  }
}

function checkSemantics(c: ProctapConfig, errors: string[]): void {
  if (c.host.name && !/^[A-Za-z0-9._-]{1,253}$/.test(c.host.name)) {
    errors.push(`host.name: letters, digits, '.', '_' and '-' only, got '${c.host.name}'`);
  }
  const p = c.processes;
  if (!['all', 'include', 'exclude'].includes(p.mode)) {
    errors.push(`processes.mode: must be one of all, include, exclude, got ${describe(p.mode)}`);
  } else if (p.mode !== 'all' && p.names.length + p.exe.length + p.cgroups.length + p.containers.length === 0) {
    errors.push(`processes: mode '${p.mode}' needs at least one entry in names, exe, cgroups or containers`);
  }
  p.names.forEach((n, i) => {
    // The kernel keeps 15 characters of a task's name; a longer name could never match.
    if (n.length === 0 || n.length > 15) errors.push(`processes.names[${i}]: a process name (comm) has 1 to 15 characters, got '${n}'`);
  });
  p.exe.forEach((g, i) => {
    if (!g.startsWith('/') && !g.startsWith('*')) errors.push(`processes.exe[${i}]: an executable glob must be an absolute path (or start with *), got '${g}'`);
  });
  p.cgroups.forEach((g, i) => {
    if (!g.startsWith('/')) errors.push(`processes.cgroups[${i}]: a cgroup path must start with '/', got '${g}'`);
  });
  p.containers.forEach((id, i) => {
    if (!/^[0-9a-f]{12,64}$/.test(id)) errors.push(`processes.containers[${i}]: a container id is 12 to 64 lowercase hex characters, got '${id}'`);
  });

  for (const dir of ['inbound', 'outbound'] as const) {
    for (const proto of ['http', 'https', 'tcp'] as const) {
      const sel = c.rules[dir][proto];
      const base = `rules.${dir}.${proto}`;
      checkCategories(errors, `${base}.crs`, sel.crs, CRS_NAMES);
      checkCategories(errors, `${base}.et`, sel.et, ET_CATEGORIES);
      if (proto === 'tcp' && sel.crs.length > 0) errors.push(`${base}.crs: CRS rules apply to HTTP only; leave this list empty`);
    }
  }
  if (c.rules.crs.enabled && !c.rules.crs.dir) errors.push('rules.crs.dir: needed when rules.crs.enabled is true');
  if (c.rules.et.enabled && !c.rules.et.dir) errors.push('rules.et.dir: needed when rules.et.enabled is true');

  const d = c.detection;
  if (![1, 2, 3, 4].includes(d.paranoia)) errors.push(`detection.paranoia: must be 1, 2, 3 or 4, got ${d.paranoia}`);
  checkRange(errors, 'detection.thresholds.inbound', d.thresholds.inbound, 1, 10000);
  checkRange(errors, 'detection.thresholds.outbound', d.thresholds.outbound, 1, 10000);
  for (const k of ['1', '2', '3', '4'] as const) checkRange(errors, `detection.severity_points.${k}`, d.severity_points[k], 0, 1000);

  const l = c.limits;
  checkRange(errors, 'limits.payload_cap_bytes', l.payload_cap_bytes, 64, 1 << 20);
  checkRange(errors, 'limits.stream_depth_bytes', l.stream_depth_bytes, 1024, 1 << 30);
  checkRange(errors, 'limits.memory_bytes', l.memory_bytes, 1 << 20, 64 * 2 ** 30);
  checkRange(errors, 'limits.incident_body_bytes', l.incident_body_bytes, 0, 1 << 20);
  checkRange(errors, 'incidents.repeat_window_seconds', c.incidents.repeat_window_seconds, 0, 7 * 86400);
  checkRange(errors, 'incidents.keep', c.incidents.keep, 1, 1_000_000);

  c.redaction.headers.forEach((h, i) => {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(h)) errors.push(`redaction.headers[${i}]: not a header name: '${h}'`);
  });
  c.redaction.body_fields.forEach((f, i) => {
    if (f.length === 0) errors.push(`redaction.body_fields[${i}]: empty field name`);
  });

  const o = c.outputs;
  if (o.eve.enabled && !o.eve.path) errors.push('outputs.eve.path: needed when outputs.eve.enabled is true');
  checkListen(errors, 'outputs.grpc.listen', o.grpc.listen);
  checkListen(errors, 'outputs.metrics.listen', o.metrics.listen);
}

/** Validates a parsed document; `undefined`/`null` means "all defaults". */
export function validateConfig(doc: unknown): ValidationResult {
  const errors: string[] = [];
  if (doc !== undefined && doc !== null && !isPlainObject(doc)) {
    return { ok: false, errors: [`the configuration must be a mapping at the top level, got ${describe(doc)}`] };
  }
  const config = overlay(defaultConfig(), doc ?? {}, '', errors) as ProctapConfig;
  // Fields with type errors fell back to their (valid) defaults, so meaning checks still run on the rest.
  checkSemantics(config, errors);
  if (errors.length) return { ok: false, errors };
  // Lower-case once so matching need not.
  config.redaction.headers = config.redaction.headers.map((h) => h.toLowerCase());
  config.redaction.body_fields = config.redaction.body_fields.map((h) => h.toLowerCase());
  return { ok: true, config };
}
