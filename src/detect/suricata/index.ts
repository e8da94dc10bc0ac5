// Public API of the Suricata/ET engine (see README "ET engine").
export { loadRules, loadRulesAsync, loadRulesConcurrent, loadRulesDir, loadRulesText, formatReport } from './load';
export type { LoadOptions, LoadReport, LoadFailure, RuleSource } from './load';
export { SuricataEngine, hostAddressVars } from './engine';
export type { EtMatch, MatchOptions, RuleSelection } from './engine';
export { DEFAULT_ADDRESS_VARS, DEFAULT_PORT_VARS, splitVariables } from './vars';
export type { Rule } from './types';
export { alertToEve, type EveAlertRecord } from './eve';
export { replayWithEngine, type ReplaySummary, type ReplayAlert, type ReplayOptions } from './replay';
export { updateRules, ruleFilesIn, DEFAULT_ET_URL, RulesUpdateError, type UpdateOptions, type UpdateResult } from './update';
export { ruleMetadata } from './parser';
