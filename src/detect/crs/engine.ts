// The CRS engine: loads a CRS directory (Debian's package by default) into an immutable rule set
// and hands out transactions. Example:
//   const { engine, report } = CrsEngine.load({ crsDir: '../shared/data/crs/v4.28.0', paranoia: 2 });
//   const tx = engine.newTransaction({ method: 'GET', uri: '/?q=1', version: 'HTTP/1.1', headers: [] });
//   const r = tx.evaluateRequest(); // r.matches, r.inboundScore
import * as fs from 'fs';
import * as path from 'path';
import './operators';
import './transformations';
import './actions';
import './variables';
import { Loader, category as categoryOf, type LoadSource } from './parser/loader';
import type { Rule } from './rule';
import type { RuleSet } from './ruleset';
import * as transactionMod from './transaction';
import type { Transaction as TransactionType } from './transaction';
import type { CrsLoadReport, CrsPhaseResult, CrsRequest, CrsResponse, EvaluateOptions } from './types';

// Local bindings: per-value code must not call through import bindings (getters once transpiled).
const { Transaction } = transactionMod;

export const DEBIAN_CRS_DIR = '/usr/share/modsecurity-crs';
export const DEBIAN_CRS_SETUP = '/etc/modsecurity/crs/crs-setup.conf';

export interface CrsLoadOptions {
  /** A CRS directory: rules/*.conf (+ .data) and crs-setup.conf[.example]. Default: Debian's package. */
  crsDir?: string;
  /** The setup file; default crsDir/crs-setup.conf, then crs-setup.conf.example (Debian: /etc/modsecurity/crs/). */
  setupFile?: string;
  /** Files loaded before the setup (e.g. ModSecurity's modsecurity.conf). */
  preFiles?: string[];
  /** Files loaded after the setup and before the rules (where CRS wants SecAction 900xxx). */
  extraFiles?: string[];
  /** SecLang text loaded after extraFiles (e.g. a test setup rule). */
  extraDirectives?: string;
  /** Files loaded after the rules (exclusions after CRS). */
  postFiles?: string[];
  /** Sets the (blocking and detection) paranoia level, overriding the setup. */
  paranoia?: number;
  /** Only load rule files whose name contains one of these (e.g. 'REQUEST-942-APPLICATION-ATTACK-SQLI', 'REQUEST-'). */
  includeCategories?: string[];
  /** Skip rule files whose name contains one of these. */
  excludeCategories?: string[];
  /** Rule ids disabled from the start (can be changed with disableRule/enableRule). */
  disabledIds?: Iterable<number>;
  /** Use the @rx required-literal prefilter (default true; off only to measure it). */
  prefilter?: boolean;
}

export interface CrsEvaluation {
  request: CrsPhaseResult;
  response?: CrsPhaseResult;
  /** All matches of the exchange (phases 1-5). */
  all: CrsPhaseResult;
}

export class CrsEngine {
  readonly rules: RuleSet;
  readonly ruleCount: number;
  private disabled: Set<number>;

  private constructor(rules: RuleSet, ruleCount: number, disabled: Set<number>) {
    this.rules = rules;
    this.ruleCount = ruleCount;
    this.disabled = disabled;
  }

  static load(opts: CrsLoadOptions = {}): { engine: CrsEngine; report: CrsLoadReport } {
    const crsDir = opts.crsDir ?? DEBIAN_CRS_DIR;
    const rulesDir = fs.existsSync(path.join(crsDir, 'rules')) ? path.join(crsDir, 'rules') : crsDir;
    const setup = opts.setupFile ?? findSetup(crsDir);
    const loader = new Loader();
    const sources: LoadSource[] = [];
    for (const f of opts.preFiles ?? []) sources.push({ file: f });
    if (setup) sources.push({ file: setup });
    else loader.errors.push({ file: crsDir, line: 0, message: 'no crs-setup.conf or crs-setup.conf.example found (use --setup)' });
    if (setup && path.resolve(crsDir) === DEBIAN_CRS_DIR) {
      // Debian's owasp-crs.load includes these optional local exclusion files around the rules.
      sources.push({ file: path.join(path.dirname(setup), 'REQUEST-900-EXCLUSION-RULES-BEFORE-CRS.conf'), optional: true });
    }
    for (const f of opts.extraFiles ?? []) sources.push({ file: f });
    if (opts.extraDirectives) sources.push({ text: opts.extraDirectives, label: '<extra directives>' });
    if (opts.paranoia !== undefined) {
      const pl = opts.paranoia;
      if (!Number.isInteger(pl) || pl < 1 || pl > 4) throw new Error(`paranoia level must be 1-4, got ${pl}`);
      sources.push({
        internal: true,
        label: '<--paranoia>',
        text: `SecAction "phase:1,pass,nolog,setvar:tx.paranoia_level=${pl},setvar:tx.blocking_paranoia_level=${pl},setvar:tx.detection_paranoia_level=${pl},setvar:tx.executing_paranoia_level=${pl}"`,
      });
    }
    sources.push({ file: path.join(rulesDir, '*.conf') });
    if (path.resolve(crsDir) === DEBIAN_CRS_DIR && setup) {
      sources.push({ file: path.join(path.dirname(setup), 'RESPONSE-999-EXCLUSION-RULES-AFTER-CRS.conf'), optional: true });
    }
    for (const f of opts.postFiles ?? []) sources.push({ file: f });
    for (const s of sources) loader.load(s);
    const loaded = loader.finish();

    const inc = opts.includeCategories;
    const exc = opts.excludeCategories;
    const keep = (r: Rule): boolean => {
      if (r.marker !== undefined || r.internal) return true;
      if (!path.resolve(r.file).startsWith(path.resolve(rulesDir) + path.sep)) return true; // setup/extra files always load
      const cat = categoryOf(r.file);
      if (inc && inc.length > 0 && !inc.some((c) => cat.includes(c))) return false;
      if (exc && exc.some((c) => cat.includes(c))) return false;
      return true;
    };
    const rules = loaded.rules.filter(keep);
    const phases: Rule[][] = [[], [], [], [], [], []];
    const markerIndex: Array<Map<string, number>> = phases.map(() => new Map());
    const byId = new Map<number, Rule>();
    let count = 0;
    for (const r of rules) {
      if (r.marker !== undefined) {
        for (let p = 1; p <= 5; p++) {
          markerIndex[p].set(r.marker, phases[p].length);
          phases[p].push(r);
        }
        continue;
      }
      phases[r.phase].push(r);
      if (!r.internal) {
        byId.set(r.id, r);
        count++;
      }
    }
    assignSlots(rules);
    for (const r of rules) deepFreeze(r);
    const ruleSet: RuleSet = {
      phases,
      markerIndex,
      byId,
      settings: Object.freeze(loaded.settings) as RuleSet['settings'],
      prefilter: opts.prefilter !== false,
    };
    const engine = new CrsEngine(ruleSet, count, new Set(opts.disabledIds ?? []));
    return {
      engine,
      report: { files: loaded.files, rules: count, errors: loaded.errors, notes: loaded.notes },
    };
  }

  /** Disables a rule for every later transaction. */
  disableRule(id: number): void {
    this.disabled.add(id);
  }

  enableRule(id: number): void {
    this.disabled.delete(id);
  }

  newTransaction(request: CrsRequest, opts: EvaluateOptions = {}): TransactionType {
    let disabledIds: ReadonlySet<number> | undefined = this.disabled.size > 0 ? this.disabled : undefined;
    if (opts.disabledIds && opts.disabledIds.size > 0) {
      disabledIds = disabledIds ? new Set([...disabledIds, ...opts.disabledIds]) : opts.disabledIds;
    }
    return new Transaction(this.rules, request, { disabledIds });
  }

  /** Evaluates one exchange: request phases, then (when given) response phases, then logging. */
  evaluate(request: CrsRequest, response?: CrsResponse, opts: EvaluateOptions = {}): CrsEvaluation {
    const tx = this.newTransaction(request, opts);
    const req = tx.evaluateRequest();
    const resp = response ? tx.evaluateResponse(response) : undefined;
    tx.finish();
    return { request: req, response: resp, all: tx.allMatches() };
  }
}

function findSetup(crsDir: string): string | undefined {
  for (const f of ['crs-setup.conf', 'crs-setup.conf.example']) {
    const p = path.join(crsDir, f);
    if (fs.existsSync(p)) return p;
  }
  if (path.resolve(crsDir) === DEBIAN_CRS_DIR && fs.existsSync(DEBIAN_CRS_SETUP)) return DEBIAN_CRS_SETUP;
  return undefined;
}

/** Numbers each distinct targetKey / joinKey of the rule set densely (see Rule.targetSlot). */
function assignSlots(rules: Rule[]): void {
  const targets = new Map<string, number>();
  const joins = new Map<string, number>();
  const slot = (m: Map<string, number>, k: string): number => {
    let n = m.get(k);
    if (n === undefined) { n = m.size; m.set(k, n); }
    return n;
  };
  for (const r of rules) {
    for (let x: Rule | undefined = r; x; x = x.next) {
      if (x.targetKey !== undefined) x.targetSlot = slot(targets, x.targetKey);
      if (x.joinKey !== undefined) x.joinSlot = slot(joins, x.joinKey);
    }
  }
}

function deepFreeze(r: Rule): void {
  for (let x: Rule | undefined = r; x; x = x.next) {
    Object.freeze(x.tags);
    Object.freeze(x.targets);
    Object.freeze(x.exclusions);
    Object.freeze(x.actions);
    Object.freeze(x);
  }
}
