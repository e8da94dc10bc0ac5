// Loads SecLang files into a RuleSet: the directive table, Include, chains, SecDefaultAction,
// SecMarker, removal/update directives, engine settings. Every problem is reported with file and
// line; a bad rule (or chain) is skipped and the rest still load.
import * as fs from 'fs';
import * as path from 'path';
import type { CrsLoadError } from '../types';
import { readDirectives, tokenize, type RawDirective } from './directive-reader';
import { splitActions } from './actions';
import { parseVariables, type VariableSpec } from './variables';
import { parseOperatorText } from './operator';
import { newRule, type Rule } from '../rule';
import { getAction } from '../actions';
import { createOperator } from '../operators';
import { getResolver } from '../variables';
import { defaultSettings, type EngineSettings } from '../ruleset';
import { parseIdRanges, inRanges } from '../id-ranges';

export interface LoadSource {
  /** A file to read (globs allowed in the base name), or inline text with a label. */
  file?: string;
  text?: string;
  label?: string;
  optional?: boolean;
  /** Rules from this source are engine-internal (no id needed, never logged). */
  internal?: boolean;
}

export interface LoadedRules {
  rules: Rule[];
  settings: EngineSettings;
  errors: CrsLoadError[];
  notes: string[];
  files: string[];
}

type Deferred = { d: RawDirective; args: string[] };

const IGNORED_DIRECTIVES = new Set([
  'secauditengine', 'secauditlog', 'secauditlog2', 'secauditlogparts', 'secauditlogrelevantstatus',
  'secauditlogstoragedir', 'secauditlogtype', 'secauditlogdirmode', 'secauditlogfilemode', 'secauditlogformat',
  'secdebuglog', 'secdebugloglevel', 'seccollectiontimeout', 'sectmpdir', 'secdatadir', 'secuploaddir',
  'secuploadkeepfiles', 'secuploadfilemode', 'secuploadfilelimit', 'sectmpsaveuploadedfiles', 'secpcrematchlimit',
  'secpcrematchlimitrecursion', 'secstatusengine', 'secserversignature', 'sechttpblkey', 'secgeolookupdb',
  'secconnengine', 'secremoterules', 'secremoterulesfailaction', 'secxmlexternalentity', 'secrequestbodyinmemorylimit',
  'secrequestbodylimitaction', 'secresponsebodylimitaction', 'secrequestbodynofileslimit', 'seccookieformat',
  'secunicodemapfile', 'secunicodecodepage', 'secwebappid', 'secsensorid', 'seccachetransformations',
  'secinterceptonerror', 'secruleinheritance', 'secruleperftime', 'secstreaminbodyinspection',
  'secstreamoutbodyinspection', 'secdisablebackendcompression', 'secguardianlog', 'secchrootdir',
  'seccontentinjection', 'secgsblookupdb', 'sechashengine', 'sechashkey', 'sechashparam', 'sechashmethodrx',
  'sechashmethodpm', 'secreadstatesnapshotlimit', 'secwritestatelimit', 'secconnreadstatelimit', 'secconnwritestatelimit',
]);

export class Loader {
  readonly settings = defaultSettings();
  readonly errors: CrsLoadError[] = [];
  readonly notes: string[] = [];
  readonly files: string[] = [];
  private rules: Rule[] = [];
  private ids = new Map<number, Rule>();
  private defaults = new Map<number, Array<[string, string | undefined]>>();
  private pendingChain?: Rule;
  private dropChain = false;
  private deferred: Deferred[] = [];
  private noted = new Set<string>();

  load(src: LoadSource): void {
    if (src.text !== undefined) {
      this.loadText(src.label ?? '<inline>', src.text, path.resolve('.'), !!src.internal);
      return;
    }
    const file = src.file as string;
    const matches = expandGlob(file);
    if (matches.length === 0) {
      if (!src.optional) this.errors.push({ file, line: 0, message: 'file not found' });
      return;
    }
    for (const f of matches) {
      let text: string;
      try {
        text = fs.readFileSync(f, 'latin1');
      } catch (err) {
        this.errors.push({ file: f, line: 0, message: `cannot read: ${(err as Error).message}` });
        continue;
      }
      this.files.push(f);
      this.loadText(f, text, path.dirname(f), !!src.internal);
    }
  }

  private loadText(file: string, text: string, dir: string, internal: boolean): void {
    for (const d of readDirectives(file, text)) {
      try {
        this.directive(d, dir, internal);
      } catch (err) {
        this.errors.push({ file: d.file, line: d.line, message: (err as Error).message });
      }
    }
    if (this.pendingChain) {
      this.errors.push({ file, line: this.pendingChain.line, ruleId: this.pendingChain.starter.id, message: `rule ${this.pendingChain.starter.id}: chain without a following rule` });
      this.dropRule(this.pendingChain.starter);
      this.pendingChain = undefined;
    }
  }

  private directive(d: RawDirective, dir: string, internal: boolean): void {
    const args = tokenize(d.text);
    const name = args[0];
    const lname = name.toLowerCase();
    switch (lname) {
      case 'secrule':
        if (args.length < 3 || args.length > 4) throw new Error(`SecRule expects 2 or 3 arguments, got ${args.length - 1}`);
        this.secRule(d, dir, args[1], args[2], args[3] ?? '', internal);
        return;
      case 'secaction':
        if (args.length !== 2) throw new Error(`SecAction expects 1 argument, got ${args.length - 1}`);
        this.secRule(d, dir, undefined, undefined, args[1], internal);
        return;
      case 'secmarker': {
        if (args.length !== 2) throw new Error('SecMarker expects 1 argument');
        this.endChain(d);
        const r = newRule(d.file, d.line, category(d.file));
        r.marker = args[1];
        this.rules.push(r);
        return;
      }
      case 'secdefaultaction': {
        const actions = splitActions(args[1] ?? '');
        const ph = actions.find(([n]) => n.toLowerCase() === 'phase');
        if (!ph) throw new Error('SecDefaultAction needs a phase');
        const probe = newRule(d.file, d.line, '');
        (getAction('phase') as NonNullable<ReturnType<typeof getAction>>)(probe, ph[1], d);
        if (!actions.some(([n]) => ['pass', 'deny', 'block', 'drop', 'allow', 'redirect'].includes(n.toLowerCase()))) {
          throw new Error('SecDefaultAction needs a disruptive action');
        }
        this.defaults.set(probe.phase, actions.filter(([n]) => !['phase', 'id'].includes(n.toLowerCase())));
        return;
      }
      case 'seccomponentsignature':
        this.settings.componentSignatures.push(args[1] ?? '');
        return;
      case 'include':
      case 'includeoptional': {
        if (args.length !== 2) throw new Error(`${name} expects 1 argument`);
        const target = path.isAbsolute(args[1]) ? args[1] : path.join(dir, args[1]);
        this.load({ file: target, optional: lname === 'includeoptional' });
        return;
      }
      case 'secruleremovebyid':
      case 'secruleremovebytag':
      case 'secruleremovebymsg':
      case 'secruleupdatetargetbyid':
      case 'secruleupdatetargetbytag':
      case 'secruleupdatetargetbymsg':
      case 'secruleupdateactionbyid':
        this.deferred.push({ d, args });
        return;
      case 'secruleengine': {
        const v = (args[1] ?? '').toLowerCase();
        if (v !== 'on' && v !== 'off' && v !== 'detectiononly') throw new Error(`SecRuleEngine: expected On, Off or DetectionOnly, got "${args[1]}"`);
        this.settings.ruleEngine = v;
        return;
      }
      case 'secrequestbodyaccess':
        this.settings.requestBodyAccess = onOff(name, args[1]);
        return;
      case 'secresponsebodyaccess':
        this.settings.responseBodyAccess = onOff(name, args[1]);
        return;
      case 'secresponsebodymimetype':
        this.settings.responseBodyMimeTypes = args.slice(1).join(' ').split(/\s+/).filter((x) => x !== '').map((x) => x.toLowerCase());
        return;
      case 'secresponsebodymimetypesclear':
        this.settings.responseBodyMimeTypes = [];
        return;
      case 'secrequestbodylimit':
        this.settings.requestBodyLimit = positive(name, args[1]);
        return;
      case 'secresponsebodylimit':
        this.settings.responseBodyLimit = positive(name, args[1]);
        return;
      case 'secrequestbodyjsondepthlimit':
        this.settings.jsonDepthLimit = positive(name, args[1]);
        return;
      case 'secargumentslimit':
        this.settings.argumentsLimit = positive(name, args[1]);
        return;
      case 'secargumentseparator':
        if (!args[1] || args[1].length !== 1) throw new Error('SecArgumentSeparator expects one character');
        this.settings.argumentSeparator = args[1];
        return;
      default:
        if (IGNORED_DIRECTIVES.has(lname)) {
          if (!this.noted.has(lname)) {
            this.noted.add(lname);
            this.notes.push(`${d.file}:${d.line}: ${name} accepted and ignored (no effect on detection)`);
          }
          return;
        }
        throw new Error(`unknown directive ${name}`);
    }
  }

  private endChain(d: RawDirective): void {
    if (this.pendingChain) {
      const starter = this.pendingChain.starter;
      this.pendingChain = undefined;
      this.dropRule(starter);
      throw new Error(`rule ${starter.id}: chain not followed by a SecRule (found at ${d.file}:${d.line})`);
    }
    this.dropChain = false;
  }

  private dropRule(starter: Rule): void {
    const i = this.rules.indexOf(starter);
    if (i >= 0) this.rules.splice(i, 1);
    if (this.ids.get(starter.id) === starter) this.ids.delete(starter.id);
  }

  private secRule(d: RawDirective, dir: string, vars: string | undefined, op: string | undefined, actionText: string, internal: boolean): void {
    const parent = this.pendingChain;
    if (vars === undefined && parent) this.endChain(d);
    if (this.dropChain && !parent) {
      // continuation of a chain whose starter failed to load
      if (!/(^|,)\s*chain\s*(,|$)/.test(actionText)) this.dropChain = false;
      throw new Error('skipped: part of a chain whose earlier rule failed to load');
    }
    const rule = newRule(d.file, d.line, category(d.file));
    rule.internal = internal;
    let actions: Array<[string, string | undefined]>;
    const hasChainAction = /(^|,)\s*chain\s*(,|$)/.test(actionText);
    try {
      actions = splitActions(actionText);
      const phaseAct = actions.find(([n]) => n.toLowerCase() === 'phase');
      if (parent) {
        rule.starter = parent.starter;
        rule.phase = parent.starter.phase;
      } else if (phaseAct) {
        (getAction('phase') as NonNullable<ReturnType<typeof getAction>>)(rule, phaseAct[1], d);
      }
      const list = parent ? actions : [...(this.defaults.get(rule.phase) ?? []), ...actions];
      for (const [name, value] of list) {
        const apply = getAction(name);
        if (!apply) throw new Error(`unknown action ${name}`);
        if (parent && ['id', 'phase', 'msg', 'severity', 'skipafter', 'skip'].includes(name.toLowerCase()) && name.toLowerCase() !== 'msg') {
          if (name.toLowerCase() === 'id' || name.toLowerCase() === 'phase') throw new Error(`chained rule cannot have ${name}`);
        }
        apply(rule, value, d);
      }
      if (parent) rule.phase = parent.starter.phase;
      if (!parent && !internal && rule.id === 0) throw new Error('rule has no id');
      const label = parent ? `rule ${parent.starter.id} (chained)` : `rule ${rule.id}`;
      if (vars === undefined) {
        rule.unconditional = true;
      } else {
        let specs: VariableSpec[];
        try {
          specs = parseVariables(vars);
        } catch (err) {
          throw new Error(`${label}: ${(err as Error).message}`);
        }
        for (const s of specs) {
          const resolver = getResolver(s.name);
          if (!resolver) throw new Error(`${label}: unknown variable ${s.name}`);
          s.resolve = resolver as VariableSpec['resolve'];
          if (s.exclude) rule.exclusions.push(s);
          else rule.targets.push(s);
        }
        const o = parseOperatorText(op as string);
        rule.negated = o.negated;
        try {
          rule.operator = createOperator(o.name, o.arg, { file: d.file, line: d.line, dir });
        } catch (err) {
          throw new Error(`${label}: ${(err as Error).message}`);
        }
      }
    } catch (err) {
      if (parent) {
        this.pendingChain = undefined;
        this.dropRule(parent.starter);
        if (hasChainAction) this.dropChain = true;
        const msg = (err as Error).message;
        throw new Error(msg.startsWith('rule ') ? msg : `rule ${parent.starter.id} (chained): ${msg}`);
      }
      if (hasChainAction) this.dropChain = true;
      const msg = (err as Error).message;
      throw new Error(msg.startsWith('rule ') || rule.id === 0 ? msg : `rule ${rule.id}: ${msg}`);
    }
    if (parent) {
      parent.next = rule;
    } else {
      if (!internal) {
        const dup = this.ids.get(rule.id);
        if (dup) throw new Error(`rule ${rule.id}: duplicate id (first defined at ${dup.file}:${dup.line})`);
        this.ids.set(rule.id, rule);
      }
      this.rules.push(rule);
    }
    this.pendingChain = rule.hasChain ? rule : undefined;
  }

  /** Applies the deferred removal/update directives and returns the final rule list. */
  finish(): LoadedRules {
    for (const { d, args } of this.deferred) {
      try {
        this.applyDeferred(d, args);
      } catch (err) {
        this.errors.push({ file: d.file, line: d.line, message: (err as Error).message });
      }
    }
    this.deferred = [];
    for (const r of this.rules) finalizeChain(r);
    return { rules: this.rules, settings: this.settings, errors: this.errors, notes: this.notes, files: this.files };
  }

  private applyDeferred(d: RawDirective, args: string[]): void {
    const name = args[0].toLowerCase();
    const starters = this.rules.filter((r) => r.marker === undefined);
    const byTag = (tag: string): Rule[] => {
      const re = safeRegex(tag);
      return starters.filter((r) => r.tags.some((t) => (re ? re.test(t) : t === tag)));
    };
    switch (name) {
      case 'secruleremovebyid': {
        const ranges = parseIdRanges(args.slice(1).join(' '));
        this.rules = this.rules.filter((r) => r.marker !== undefined || r.internal || !inRanges(r.id, ranges));
        return;
      }
      case 'secruleremovebytag': {
        const drop = new Set(args.slice(1).flatMap((t) => byTag(t)));
        this.rules = this.rules.filter((r) => !drop.has(r));
        return;
      }
      case 'secruleremovebymsg': {
        const msg = args.slice(1).join(' ');
        this.rules = this.rules.filter((r) => r.marker !== undefined || r.msg !== msg);
        return;
      }
      case 'secruleupdatetargetbyid':
      case 'secruleupdatetargetbytag':
      case 'secruleupdatetargetbymsg': {
        if (args.length < 3) throw new Error(`${args[0]} expects a selector and a variable list`);
        if (args.length > 3) this.notes.push(`${d.file}:${d.line}: ${args[0]} replacement argument ignored; targets are added/excluded`);
        let targets: Rule[];
        if (name.endsWith('id')) {
          const ranges = parseIdRanges(args[1]);
          targets = starters.filter((r) => inRanges(r.id, ranges));
        } else if (name.endsWith('tag')) targets = byTag(args[1]);
        else targets = starters.filter((r) => r.msg === args[1]);
        const specs = parseVariables(args[2]);
        for (const s of specs) {
          const resolver = getResolver(s.name);
          if (!resolver) throw new Error(`unknown variable ${s.name}`);
          s.resolve = resolver as VariableSpec['resolve'];
        }
        for (const r of targets) {
          for (const s of specs) (s.exclude ? r.exclusions : r.targets).push(s);
        }
        return;
      }
      case 'secruleupdateactionbyid': {
        if (args.length !== 3) throw new Error('SecRuleUpdateActionById expects an id and an action list');
        const [idText, chainIdx] = args[1].split(':');
        const id = Number(idText);
        let rule = this.rules.find((r) => r.id === id && r.marker === undefined);
        if (!rule) throw new Error(`SecRuleUpdateActionById: no rule with id ${args[1]}`);
        for (let k = 1; chainIdx !== undefined && k < Number(chainIdx) && rule; k++) rule = rule.next;
        if (!rule) throw new Error(`SecRuleUpdateActionById: rule ${args[1]} has no such chain link`);
        for (const [an, av] of splitActions(args[2])) {
          const l = an.toLowerCase();
          if (l === 'id' || l === 'phase' || l === 'chain') throw new Error(`SecRuleUpdateActionById cannot change ${an}`);
          const apply = getAction(an);
          if (!apply) throw new Error(`unknown action ${an}`);
          apply(rule, av, d);
        }
        return;
      }
      default:
        throw new Error(`unhandled directive ${args[0]}`);
    }
  }
}

/** Variables that rules change while a phase runs (or that change per call): never cached. */
const VOLATILE = new Set([
  'TX', 'IP', 'GLOBAL', 'SESSION', 'USER', 'RESOURCE', 'ENV', 'MATCHED_VAR', 'MATCHED_VAR_NAME', 'MATCHED_VARS',
  'MATCHED_VARS_NAMES', 'RULE', 'UNIQUE_ID', 'DURATION', 'HIGHEST_SEVERITY', 'REQBODY_PROCESSOR', 'TIME', 'TIME_EPOCH',
  'TIME_DAY', 'TIME_HOUR', 'TIME_MIN', 'TIME_MON', 'TIME_SEC', 'TIME_WDAY', 'TIME_YEAR',
]);

function specKey(v: VariableSpec): string {
  return `${v.exclude ? '!' : ''}${v.count ? '&' : ''}${v.name}:${v.key !== undefined ? 'k' + v.key.toLowerCase() : v.keySource !== undefined ? 'r' + v.keySource : ''}`;
}

function finalizeChain(r: Rule): void {
  for (let x: Rule | undefined = r; x; x = x.next) {
    x.targetExclusions = x.targets.map((t) => x.exclusions.filter((e) => e.name === t.name));
    x.targetKey = [...x.targets, ...x.exclusions].every((t) => !VOLATILE.has(t.name))
      ? [...x.targets, ...x.exclusions].map(specKey).join('|')
      : undefined;
    const names = x.transforms.map((t) => t.name.toLowerCase());
    x.transformKey = names.join(',');
    x.joinKey = x.targetKey === undefined ? undefined : x.targetKey + '\u0001' + x.transformKey;
  }
}

function safeRegex(s: string): RegExp | undefined {
  if (!/[\\^$.*+?()[\]{}|]/.test(s)) return undefined;
  try {
    return new RegExp(s);
  } catch {
    return undefined;
  }
}

function onOff(name: string, v: string | undefined): boolean {
  const l = (v ?? '').toLowerCase();
  if (l !== 'on' && l !== 'off') throw new Error(`${name}: expected On or Off, got "${v ?? ''}"`);
  return l === 'on';
}

function positive(name: string, v: string | undefined): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name}: expected a number, got "${v ?? ''}"`);
  return n;
}

/** REQUEST-942-APPLICATION-ATTACK-SQLI.conf -> REQUEST-942-APPLICATION-ATTACK-SQLI */
export function category(file: string): string {
  return path.basename(file).replace(/\.conf(\.example)?$/, '');
}

/** Expands a '*' / '?' glob in the base name of a path (sorted, as Apache/ModSecurity do). */
export function expandGlob(file: string): string[] {
  const base = path.basename(file);
  if (!/[*?[]/.test(base)) return fs.existsSync(file) ? [file] : [];
  const dir = path.dirname(file);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const re = new RegExp('^' + base.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  return names.filter((n) => re.test(n)).sort().map((n) => path.join(dir, n));
}
