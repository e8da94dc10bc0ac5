// Reads a configuration from YAML (or JSON, which is YAML) text or a file.
import * as fs from 'fs';
import YAML, { LineCounter, isNode, type Document } from 'yaml';
import { validateConfig, type ValidationResult } from './validate';
import type { ProctapConfig } from './types';

/** "a.b[2].c: message" -> ['a', 'b', 2, 'c'] (the field path validate.ts puts first). */
function errorPath(err: string): (string | number)[] | undefined {
  const m = /^([A-Za-z0-9_.[\]-]+): /.exec(err);
  if (!m) return undefined;
  const out: (string | number)[] = [];
  for (const part of m[1].split('.')) {
    const r = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!r) return undefined;
    if (r[1]) out.push(r[1]);
    for (const idx of r[2].matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

/** The line of the field an error names, when the document has it (defaults have no line). */
function lineOf(doc: Document, lines: LineCounter, err: string): number | undefined {
  const p = errorPath(err);
  if (!p) return undefined;
  // Walk up to the nearest node that exists (an unknown field's parent, a missing list's map...).
  for (let n = p.length; n > 0; n--) {
    const node = doc.getIn(p.slice(0, n), true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}

/** Parses and validates; errors are prefixed with the source name (file path or 'request') and line. */
export function parseConfigText(text: string, source = 'config'): ValidationResult {
  const lines = new LineCounter();
  const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true, lineCounter: lines });
  if (doc.errors.length) {
    return { ok: false, errors: doc.errors.map((e) => `${source}: ${e.message.split('\n')[0]}`) };
  }
  const r = validateConfig(doc.toJS({ maxAliasCount: 100 }) as unknown);
  if (!r.ok) {
    // In file order, so an operator can fix them top to bottom.
    const located = r.errors.map((e) => ({ e, line: lineOf(doc, lines, e) }));
    located.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
    return { ok: false, errors: located.map(({ e, line }) => (line ? `${source}:${line}: ${e}` : `${source}: ${e}`)) };
  }
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
