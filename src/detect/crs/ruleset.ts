// The compiled, read-only rule set: rules per phase in file order, marker positions, engine
// settings. Shared by every transaction.
import type { Rule } from './rule';

export interface EngineSettings {
  ruleEngine: 'on' | 'off' | 'detectiononly';
  requestBodyAccess: boolean;
  responseBodyAccess: boolean;
  responseBodyMimeTypes: string[];
  requestBodyLimit: number;
  responseBodyLimit: number;
  argumentSeparator: string;
  jsonDepthLimit: number;
  argumentsLimit: number;
  componentSignatures: string[];
}

export interface RuleSet {
  /** phases[1..5]: the rules of each phase (chain starters and markers), in load order. */
  phases: Rule[][];
  /** markerIndex[p].get(name): position of the marker in phases[p]. */
  markerIndex: Array<Map<string, number>>;
  byId: Map<number, Rule>;
  settings: EngineSettings;
  /** Use the @rx required-literal prefilter. */
  prefilter: boolean;
}

export function defaultSettings(): EngineSettings {
  return {
    ruleEngine: 'detectiononly',
    requestBodyAccess: true,
    responseBodyAccess: false,
    responseBodyMimeTypes: ['text/plain', 'text/html'],
    requestBodyLimit: 13107200,
    responseBodyLimit: 524288,
    argumentSeparator: '&',
    jsonDepthLimit: 512,
    argumentsLimit: 1000,
    componentSignatures: [],
  };
}
