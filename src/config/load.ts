// Reads a configuration from YAML (or JSON, which is YAML) text or a file.
import * as fs from 'fs';
import YAML from 'yaml';
import { validateConfig, type ValidationResult } from './validate';
import type { ProctapConfig } from './types';

/** Parses and validates; errors are prefixed with the source name (file path or 'request'). */
export function parseConfigText(text: string, source = 'config'): ValidationResult {
  const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    return { ok: false, errors: doc.errors.map((e) => `${source}: ${e.message.split('\n')[0]}`) };
  }
  const r = validateConfig(doc.toJS({ maxAliasCount: 100 }) as unknown);
  if (!r.ok) return { ok: false, errors: r.errors.map((e) => `${source}: ${e}`) };
  return r;
}

export class ConfigError extends Error {
  constructor(readonly errors: string[]) {
    super(errors.length === 1 ? errors[0] : `invalid configuration:\n  ${errors.join('\n  ')}`);
  }
}

/** Loads a file; throws ConfigError naming the file and each bad field. */
export function loadConfigFile(path: string): ProctapConfig {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`${path}: cannot read: ${(err as Error).message}`]);
  }
  const r = parseConfigText(text, path);
  if (!r.ok) throw new ConfigError(r.errors);
  return r.config;
}

/** The YAML text of a configuration (complete, every default written out). */
export function configToYaml(config: ProctapConfig): string {
  return YAML.stringify(config, { indent: 2, lineWidth: 0 });
}
