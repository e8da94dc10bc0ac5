// Public and internal types of the CRS (SecLang) engine.
import type { RuleMatch } from '../types';

/** One HTTP request as the engine sees it; the sensor adapts its HttpTransaction to this. */
export interface CrsRequest {
  method: string;
  /** Request target as sent (latin1). */
  uri: string;
  /** e.g. 'HTTP/1.1'. */
  version: string;
  headers: Array<[string, string]>;
  body?: Buffer;
  clientIp?: string;
  clientPort?: number;
  serverIp?: string;
  serverPort?: number;
  /** The raw request line when known (else built from method, uri, version). */
  requestLine?: string;
}

export interface CrsResponse {
  status: number;
  /** e.g. 'HTTP/1.1'. */
  version?: string;
  headers: Array<[string, string]>;
  body?: Buffer;
}

/** A rule-load problem, always naming the file and line. */
export interface CrsLoadError {
  file: string;
  line: number;
  ruleId?: number;
  message: string;
}

export interface CrsLoadReport {
  files: string[];
  rules: number;
  errors: CrsLoadError[];
  /** Harmless directives accepted and ignored, and other remarks. */
  notes: string[];
}

export interface CrsPhaseResult {
  matches: RuleMatch[];
  /** Ids of the rules (chain starters) that matched and would be logged, in order. */
  matchedIds: number[];
  inboundScore: number;
  outboundScore: number;
  /** The first disruptive action a matched rule asked for (detection-only: never enforced). */
  disruptive?: { ruleId: number; action: string; status?: number };
}

export interface EvaluateOptions {
  /** Rule ids disabled for this evaluation. */
  disabledIds?: ReadonlySet<number>;
}
