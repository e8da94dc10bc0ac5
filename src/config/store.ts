// The configuration in force, its generation, and live replacement: an invalid update is rejected with
// its errors and the running configuration is kept.
import { EventEmitter } from 'events';
import { parseConfigText } from './load';
import { validateConfig } from './validate';
import type { ProctapConfig } from './types';

export type UpdateResult =
  | { ok: true; generation: number; config: ProctapConfig }
  | { ok: false; errors: string[]; generation: number };

export interface ConfigChange {
  previous: ProctapConfig;
  current: ProctapConfig;
  generation: number;
}

export class ConfigStore {
  private config: ProctapConfig;
  private gen = 1;
  private readonly events = new EventEmitter();

  constructor(initial: ProctapConfig) {
    // Re-validate so a hand-built object cannot smuggle in a bad value.
    const r = validateConfig(initial);
    if (!r.ok) throw new Error(`invalid initial configuration:\n  ${r.errors.join('\n  ')}`);
    this.config = deepFreeze(r.config);
  }

  get current(): ProctapConfig {
    return this.config;
  }

  get generation(): number {
    return this.gen;
  }

  /** Replaces the configuration from YAML/JSON text. */
  updateFromText(text: string, source = 'request'): UpdateResult {
    const r = parseConfigText(text, source);
    if (!r.ok) return { ok: false, errors: r.errors, generation: this.gen };
    return this.apply(r.config);
  }

  /** Replaces the configuration from a parsed document. */
  update(doc: unknown): UpdateResult {
    const r = validateConfig(doc);
    if (!r.ok) return { ok: false, errors: r.errors, generation: this.gen };
    return this.apply(r.config);
  }

  onChange(fn: (change: ConfigChange) => void): () => void {
    this.events.on('change', fn);
    return () => this.events.off('change', fn);
  }

  private apply(next: ProctapConfig): UpdateResult {
    const previous = this.config;
    this.config = deepFreeze(next);
    this.gen += 1;
    this.events.emit('change', { previous, current: this.config, generation: this.gen } satisfies ConfigChange);
    return { ok: true, generation: this.gen, config: this.config };
  }
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}
