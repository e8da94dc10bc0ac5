// What the agent needs from a rule engine. The CRS and ET engines each get a small adapter that
// implements this; the agent never reaches into an engine's internals.
import type { HttpTransaction } from '../protocols/http/types';
import type { StreamChunk } from '../flow/types';
import type { RuleMatch, RuleSource } from './types';

export type TrafficDirection = 'inbound' | 'outbound';
export type TrafficProtocol = 'http' | 'https' | 'tcp';

/** Facts about the traffic being evaluated, decided by the agent. */
export interface DetectionContext {
  direction: TrafficDirection;
  protocol: TrafficProtocol;
  /** Host name of the sensor (ET: HOME_NET is this host's side of the flow unless configured). */
  host: string;
}

/** Engine settings that follow the configuration; applied live. */
export interface DetectorSettings {
  paranoia: number;
  /**
   * Categories enabled per direction and protocol for this engine's source (['all'], [] or names).
   * Engines may use this to skip work; the agent also filters matches by category itself.
   */
  categories: Record<TrafficDirection, Record<TrafficProtocol, string[]>>;
  /** Address variables for ET (HOME_NET, EXTERNAL_NET...) when configured explicitly. */
  vars: Record<string, string>;
}

/** One rule that could not be loaded, with where and why. */
export interface RuleLoadFailure {
  file?: string;
  line?: number;
  ruleId?: number;
  reason: string;
}

/** What an engine loaded (shown by `proctap status`). */
export interface RuleLoadReport {
  source: RuleSource;
  engine: string;
  paths: string[];
  loaded: number;
  disabledInFiles: number;
  failed: number;
  failedByReason: Record<string, number>;
  /** The first failures in detail (engines cap the list). */
  failures: RuleLoadFailure[];
  loadTimeMs: number;
}

export interface Detector {
  readonly name: string;
  readonly source: RuleSource;
  /** Request phases (headers and body) of a transaction. */
  evaluateRequest(tx: HttpTransaction, ctx: DetectionContext): RuleMatch[];
  /** Response phases; called after evaluateRequest for the same transaction. */
  evaluateResponse(tx: HttpTransaction, ctx: DetectionContext): RuleMatch[];
  /** Raw TCP stream data (non-HTTP flows). */
  evaluateStream(chunk: StreamChunk, ctx: DetectionContext): RuleMatch[];
  /** Rule ids that must not match (operator decisions and `rules.disabled`); replaces the previous set. */
  setDisabledRules(ids: ReadonlySet<number>): void;
  /** Applies live configuration (paranoia, categories, variables). Optional. */
  configure?(settings: DetectorSettings): void;
  report(): RuleLoadReport;
  /** Engine counters (evaluations, prefilter hits...) for status and metrics. Optional. */
  counters?(): Record<string, number>;
}
