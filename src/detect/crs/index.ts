// The CRS (SecLang) engine's public surface.
export { CrsEngine, DEBIAN_CRS_DIR, DEBIAN_CRS_SETUP } from './engine';
export type { CrsLoadOptions, CrsEvaluation } from './engine';
export { Transaction } from './transaction';
export type { CrsRequest, CrsResponse, CrsPhaseResult, CrsLoadReport, CrsLoadError, EvaluateOptions } from './types';
