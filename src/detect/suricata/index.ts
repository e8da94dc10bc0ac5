// Public API of the Suricata/ET engine (see README "ET engine").
export { loadRules, loadRulesText, formatReport } from './load';
export type { LoadOptions, LoadReport, LoadFailure, RuleSource } from './load';
export { SuricataEngine } from './engine';
export type { EtMatch, MatchOptions, RuleSelection } from './engine';
export { DEFAULT_ADDRESS_VARS, DEFAULT_PORT_VARS } from './vars';
export type { Rule } from './types';
