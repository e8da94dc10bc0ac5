// Per-request state: the variables of one HTTP exchange, TX and other collections, ctl changes,
// caches, and the evaluation of the rule set's phases. Rules are never changed here.
import * as crypto from 'crypto';
import type { RuleMatch } from '../types';
import type { Rule } from './rule';
import type { RuleSet } from './ruleset';
import type { CrsPhaseResult, CrsRequest, CrsResponse, EvaluateOptions } from './types';
import type { VariableSpec } from './parser/variables';
import * as variablesMod from './variables';
import type { Entry } from './variables';
import * as registryMod from './variables/registry';
import type { Resolver } from './variables/registry';
import type { JoinedValues, TValue } from './tvalue';
import type { Transformation } from './transformations/registry';
import * as compileMod from './regex/compile';
import * as idRangesMod from './id-ranges';
import type { IdRange } from './id-ranges';
import * as urlencodedMod from './body/urlencoded';
import * as cookiesMod from './body/cookies';
import * as jsonMod from './body/json';
import * as xmlMod from './body/xml';
import * as multipartMod from './body/multipart';

// Local bindings: per-value code must not call through import bindings (getters once transpiled).
const { getResolver } = variablesMod;
const { keyMatches } = registryMod;
const { re2Input } = compileMod;
const { inRanges } = idRangesMod;
const { parseUrlEncoded } = urlencodedMod;
const { parseCookies } = cookiesMod;
const { parseJsonBody } = jsonMod;
const { parseXmlBody } = xmlMod;
const { parseMultipart, strictError } = multipartMod;

/** A TX (or other rule-set collection) variable, with the entry list lookups return. */
interface VarRecord {
  name: string;
  value: string;
  list: Entry[];
}

const NO_ENTRIES: Entry[] = [];
const NO_SPECS: VariableSpec[] = [];

interface TargetRemoval {
  kind: 'id' | 'tag' | 'msg';
  sel: string;
  ranges?: IdRange[];
  vars: VariableSpec[];
}

const MATCH_DATA_CAP = 512;

function normSeverity(s: number | undefined): number {
  if (s === undefined) return 4;
  return Math.min(4, Math.max(1, s - 1));
}

export class Transaction {
  readonly rules: RuleSet;
  readonly request: CrsRequest;
  response?: CrsResponse;
  private readonly disabledIds?: ReadonlySet<number>;

  private collections = new Map<string, Entry[]>();
  private scalars = new Map<string, string>();
  private vars = new Map<string, Map<string, VarRecord>>();
  /** vars.get('TX'), held directly: TX lookups run ~150 times a request (paranoia guards, scores). */
  private readonly txVars = new Map<string, VarRecord>();
  private env = new Map<string, string>();
  private interned = new Map<string, TValue>();

  matchedVar?: string;
  matchedVarName?: string;
  matchedVars: Entry[] = [];
  capturing = false;
  currentRule!: Rule;
  forceRequestBodyVariable = false;
  requestBodyAccess: boolean;
  responseBodyAccess: boolean;
  private bodyProcessor?: string;
  private engineMode: string;
  private removedRanges: IdRange[] = [];
  private removedTags = new Set<string>();
  private removedMsgs = new Set<string>();
  private targetRemovals: TargetRemoval[] = [];
  private points = 0;
  private matches: RuleMatch[] = [];
  private matchedIds: number[] = [];
  private disruptive?: CrsPhaseResult['disruptive'];
  private phasesDone = 0;

  constructor(rules: RuleSet, request: CrsRequest, opts: EvaluateOptions = {}) {
    this.rules = rules;
    this.request = request;
    this.disabledIds = opts.disabledIds;
    this.requestBodyAccess = rules.settings.requestBodyAccess;
    this.responseBodyAccess = rules.settings.responseBodyAccess;
    this.engineMode = rules.settings.ruleEngine;
    this.vars.set('TX', this.txVars);
    this.loadRequestHeaders();
  }

  // ---- evaluation ---------------------------------------------------------------------------

  /** Phases 1-2 (request headers, request body). */
  evaluateRequest(): CrsPhaseResult {
    const start = this.matches.length;
    this.runPhase(1);
    this.processRequestBody();
    this.runPhase(2);
    this.phasesDone = 2;
    return this.result(start);
  }

  /** Phases 3-4 (response headers, response body); runs the request phases first if needed. */
  evaluateResponse(response: CrsResponse): CrsPhaseResult {
    if (this.phasesDone < 2) this.evaluateRequest();
    const start = this.matches.length;
    this.response = response;
    this.loadResponse(response);
    this.runPhase(3);
    this.runPhase(4);
    this.phasesDone = 4;
    return this.result(start);
  }

  /** Phase 5 (logging); CRS correlation rules live here. */
  finish(): CrsPhaseResult {
    if (this.phasesDone < 2) this.evaluateRequest();
    const start = this.matches.length;
    this.runPhase(5);
    this.phasesDone = 5;
    return this.result(start);
  }

  /** Everything matched so far in this transaction. */
  allMatches(): CrsPhaseResult {
    return this.result(0);
  }

  private result(from: number): CrsPhaseResult {
    const matches = this.matches.slice(from);
    return {
      matches,
      matchedIds: matches.map((m) => m.id),
      inboundScore: this.inboundScore(),
      outboundScore: this.outboundScore(),
      disruptive: this.disruptive,
    };
  }

  inboundScore(): number {
    const tx = this.vars.get('TX') as Map<string, { value: string }>;
    for (const k of ['blocking_inbound_anomaly_score', 'anomaly_score']) {
      const v = tx.get(k);
      if (v !== undefined) return parseInt(v.value, 10) || 0;
    }
    return this.sumScores(/^(?:inbound_)?anomaly_score_pl(\d)$/);
  }

  outboundScore(): number {
    const tx = this.vars.get('TX') as Map<string, { value: string }>;
    for (const k of ['blocking_outbound_anomaly_score', 'outbound_anomaly_score']) {
      const v = tx.get(k);
      if (v !== undefined) return parseInt(v.value, 10) || 0;
    }
    return this.sumScores(/^outbound_anomaly_score_pl(\d)$/);
  }

  private sumScores(re: RegExp): number {
    const tx = this.vars.get('TX') as Map<string, { value: string }>;
    const pl = parseInt(tx.get('blocking_paranoia_level')?.value ?? tx.get('paranoia_level')?.value ?? '1', 10) || 1;
    let sum = 0;
    for (const [k, v] of tx) {
      const m = re.exec(k);
      if (m && Number(m[1]) <= pl) sum += parseInt(v.value, 10) || 0;
    }
    return sum;
  }

  private isRemoved(rule: Rule): boolean {
    if (this.disabledIds?.has(rule.id)) return true;
    if (this.removedRanges.length > 0 && inRanges(rule.id, this.removedRanges)) return true;
    if (this.removedTags.size > 0) for (const t of rule.tags) if (this.removedTags.has(t)) return true;
    if (this.removedMsgs.size > 0 && rule.msg !== undefined && this.removedMsgs.has(rule.msg)) return true;
    return false;
  }

  private runPhase(phase: number): void {
    const list = this.rules.phases[phase];
    const markers = this.rules.markerIndex[phase];
    let skip = 0;
    for (let i = 0; i < list.length; i++) {
      if (this.engineMode === 'off') return;
      const rule = list[i];
      if (rule.marker !== undefined) continue;
      if (skip > 0) { skip--; continue; }
      if (this.isRemoved(rule)) continue;
      if (!this.evalChain(rule)) continue;
      if (rule.skipAfter !== undefined) {
        const at = markers.get(rule.skipAfter);
        if (at === undefined) return;
        i = at;
      } else if (rule.skip !== undefined) {
        skip = rule.skip;
      }
    }
  }

  private evalChain(starter: Rule): boolean {
    if (this.matchedVars.length > 0) this.matchedVars = [];
    this.points = 0;
    for (let r: Rule | undefined = starter; r; r = r.next) {
      if (!this.evalRule(r)) return false;
    }
    if (starter.log !== false && !starter.internal) this.record(starter);
    if (starter.disruptive && starter.disruptive !== 'pass' && this.disruptive === undefined && starter.log !== false) {
      this.disruptive = { ruleId: starter.id, action: starter.disruptive, status: starter.status };
    }
    return true;
  }

  private record(rule: Rule): void {
    const matched = this.matchedVar ?? '';
    this.matches.push({
      source: 'crs',
      id: rule.id,
      rev: rule.rev !== undefined && /^\d+$/.test(rule.rev) ? Number(rule.rev) : undefined,
      msg: rule.msg !== undefined ? this.expand(rule.msg, rule) : '',
      severity: normSeverity(rule.severity),
      tags: rule.tags,
      target: this.matchedVarName ?? '',
      matched: matched.length > MATCH_DATA_CAP ? matched.slice(0, MATCH_DATA_CAP) : matched,
      points: this.points,
      data: rule.logdata !== undefined ? this.expand(rule.logdata, rule).slice(0, MATCH_DATA_CAP) : undefined,
    });
    this.matchedIds.push(rule.id);
  }

  private expand(text: string, rule: Rule): string {
    if (text.indexOf('%{') < 0) return text;
    return text.replace(/%\{([^}]+)\}/g, (_m, ref: string) => {
      const sep = ref.search(/[.:]/);
      return sep < 0 ? this.macroValue(ref.toUpperCase(), undefined, rule) : this.macroValue(ref.slice(0, sep).toUpperCase(), ref.slice(sep + 1), rule);
    });
  }

  private evalRule(rule: Rule): boolean {
    this.currentRule = rule;
    if (rule.unconditional) {
      for (const a of rule.actions) a.run(this, rule);
      return true;
    }
    const op = rule.operator;
    if (!op) return false;
    const entries = this.collectTargets(rule);
    if (entries.length === 0) return false;
    // Rule-level prefilter (@pm): when the joined (transformed) values of all the rule's targets
    // hold no phrase, no value can match: skip the per-value loop entirely.
    // (not with ctl target removals: the joined values are shared by rules with the same targets)
    if (op.mayMatchAny !== undefined && !rule.negated && !rule.multiMatch && rule.joinSlot >= 0 && this.targetRemovals.length === 0 && this.rules.prefilter && entries.length > 1) {
      if (!op.mayMatchAny(this.joinedValues(rule, entries))) return false;
    }
    let any = false;
    this.capturing = rule.capture;
    for (const e of entries) {
      if (!rule.multiMatch) {
        const v = this.transform(e, rule);
        if (op.evaluate(this, v) !== rule.negated) {
          any = true;
          this.onMatch(rule, e, v);
        }
        continue;
      }
      for (const v of this.transformAll(e, rule)) {
        if (op.evaluate(this, v) === rule.negated) continue;
        any = true;
        this.onMatch(rule, e, v);
      }
    }
    this.capturing = false;
    return any;
  }

  private onMatch(rule: Rule, e: Entry, v: TValue): void {
    this.matchedVar = v.s;
    this.matchedVarName = e.name;
    this.matchedVars.push({ key: e.key, value: v.s, name: e.name, tv: undefined });
    const acts = rule.actions;
    for (let i = 0; i < acts.length; i++) acts[i].run(this, rule);
    this.currentRule = rule;
  }

  /** Per rule.joinSlot (targets + transformation chain): all transformed values, NUL-joined. */
  private joined: Array<JoinedValues | undefined> = [];

  private joinedValues(rule: Rule, entries: Entry[]): JoinedValues {
    let j = this.joined[rule.joinSlot];
    if (j === undefined) {
      const parts: string[] = [];
      for (let i = 0; i < entries.length; i++) parts.push(this.transform(entries[i], rule).s);
      j = { buf: re2Input(parts.join('\u0000')) };
      this.joined[rule.joinSlot] = j;
    }
    return j;
  }

  /** Collected entries per rule.targetSlot; cleared whenever request/response data changes. */
  private targetCache: Array<Entry[] | undefined> = [];

  private collectTargets(rule: Rule): Entry[] {
    const removals = this.targetRemovalsFor(rule);
    const slot = rule.targetSlot;
    if (slot >= 0 && removals.length === 0) {
      let hit = this.targetCache[slot];
      if (hit === undefined) {
        hit = this.collectUncached(rule, removals);
        this.targetCache[slot] = hit;
      }
      return hit;
    }
    return this.collectUncached(rule, removals);
  }

  private collectUncached(rule: Rule, removals: VariableSpec[]): Entry[] {
    // (the list is only built when there is more than one target to merge, or a count)
    let out: Entry[] | undefined;
    const targets = rule.targets;
    for (let t = 0; t < targets.length; t++) {
      const spec = targets[t];
      const resolver = (spec.resolve as Resolver | undefined) ?? getResolver(spec.name);
      if (!resolver) continue;
      let entries = resolver(this, spec);
      if (entries.length > 0) {
        const ex = rule.targetExclusions[t];
        if (ex !== undefined && ex.length > 0) entries = entries.filter((e) => !ex.some((x) => excludes(x, e)));
        if (removals.length > 0) {
          const rx = removals.filter((x) => x.name === spec.name);
          if (rx.length > 0) entries = entries.filter((e) => !rx.some((x) => excludes(x, e)));
        }
      }
      if (spec.count) (out ?? (out = [])).push({ key: '', value: String(entries.length), name: spec.name, tv: undefined });
      else if (out === undefined && t === targets.length - 1) return entries;
      else if (entries.length > 0) {
        if (out === undefined) out = [];
        for (let k = 0; k < entries.length; k++) out.push(entries[k]);
      }
    }
    return out ?? NO_ENTRIES;
  }

  private targetRemovalsFor(rule: Rule): VariableSpec[] {
    if (this.targetRemovals.length === 0) return NO_SPECS;
    const out: VariableSpec[] = [];
    const starter = rule.starter;
    for (const t of this.targetRemovals) {
      let hit = false;
      if (t.kind === 'id') hit = inRanges(starter.id, t.ranges ?? []);
      else if (t.kind === 'tag') hit = starter.tags.includes(t.sel);
      else hit = starter.msg === t.sel;
      if (hit) out.push(...t.vars);
    }
    return out;
  }

  private intern(s: string): TValue {
    let v = this.interned.get(s);
    if (v === undefined) {
      v = { s, buf: undefined, lower: undefined, mask: undefined, bytes: undefined, steps: undefined };
      this.interned.set(s, v);
    }
    return v;
  }

  /** One transformation step of a value, computed once per (value, step) in the transaction. */
  private step(tv: TValue, t: Transformation): TValue {
    const steps = tv.steps ?? (tv.steps = []);
    let next = steps[t.id];
    if (next === undefined) {
      const s = t.fn(tv.s);
      // most steps change nothing: keep the same value object (and its buffers) then
      next = s === tv.s ? tv : this.intern(s);
      steps[t.id] = next;
    }
    return next;
  }

  private transform(e: Entry, rule: Rule): TValue {
    let tv = e.tv ?? (e.tv = this.intern(e.value));
    const ts = rule.transforms;
    for (let i = 0; i < ts.length; i++) tv = this.step(tv, ts[i]);
    return tv;
  }

  /** multiMatch: the value before and after each transformation (unchanged steps skipped). */
  private transformAll(e: Entry, rule: Rule): TValue[] {
    let cur = e.tv ?? (e.tv = this.intern(e.value));
    const out: TValue[] = [cur];
    const ts = rule.transforms;
    for (let i = 0; i < ts.length; i++) {
      const next = this.step(cur, ts[i]);
      if (next !== cur) out.push(next);
      cur = next;
    }
    return out;
  }

  /** Whether operators may skip work their prefilter proves useless (off for A/B checks). */
  get prefilterEnabled(): boolean {
    return this.rules.prefilter;
  }

  // ---- variables ----------------------------------------------------------------------------

  collection(name: string): Entry[] {
    return this.collections.get(name) ?? [];
  }

  private keyIndex = new Map<string, Map<string, Entry[]>>();

  /** Entries of a collection with a given key (case-insensitive), through a per-collection index. */
  keyed(name: string, key: string): Entry[] {
    let idx = this.keyIndex.get(name);
    if (!idx) {
      idx = new Map();
      for (const e of this.collection(name)) {
        const k = e.key.toLowerCase();
        const list = idx.get(k);
        if (list) list.push(e);
        else idx.set(k, [e]);
      }
      this.keyIndex.set(name, idx);
    }
    return idx.get(key.toLowerCase()) ?? [];
  }

  scalar(name: string): string | undefined {
    if (name === 'UNIQUE_ID') {
      let id = this.scalars.get(name);
      if (id === undefined) { id = crypto.randomBytes(12).toString('hex'); this.scalars.set(name, id); }
      return id;
    }
    if (name.startsWith('TIME')) return timeVar(name);
    if (name === 'DURATION') return '0';
    if (name === 'REQUEST_BODY' && !this.scalars.has('REQUEST_BODY')) return undefined;
    return this.scalars.get(name);
  }

  varEntries(collection: string): Entry[] {
    const m = this.vars.get(collection);
    if (!m) return [];
    const out: Entry[] = [];
    for (const [, v] of m) out.push(v.list[0]);
    return out;
  }

  getVarEntry(collection: string, key: string): { name: string; value: string } | undefined {
    return this.vars.get(collection)?.get(key.toLowerCase());
  }

  /** The one-entry list a keyed lookup (TX:name) resolves to; stable until the variable changes. */
  varList(collection: string, lowerKey: string): Entry[] {
    const m = collection === 'TX' ? this.txVars : this.vars.get(collection);
    return m?.get(lowerKey)?.list ?? NO_ENTRIES;
  }

  getVar(collection: string, key: string): string | undefined {
    return this.vars.get(collection)?.get(key.toLowerCase())?.value;
  }

  setVar(collection: string, key: string, value: string): void {
    let m = this.vars.get(collection);
    if (!m) { m = new Map(); this.vars.set(collection, m); }
    m.set(key.toLowerCase(), { name: key, value, list: [{ key, value, name: `${collection}:${key}`, tv: undefined }] });
  }

  unsetVar(collection: string, key: string): void {
    this.vars.get(collection)?.delete(key.toLowerCase());
  }

  initCollection(name: string): void {
    if (!this.vars.has(name)) this.vars.set(name, new Map());
  }

  setEnv(key: string, value: string): void {
    this.env.set(key, value);
    this.keyIndex.delete('ENV');
    this.collections.set('ENV', [...this.env].map(([k, v]) => ({ key: k, value: v, name: 'ENV:' + k, tv: undefined })));
  }

  addPoints(n: number): void {
    this.points += n;
  }

  setCaptures(groups: string[]): void {
    for (let i = 0; i < groups.length; i++) this.setVar('TX', String(i), groups[i]);
  }

  macroValue(name: string, key: string | undefined, rule: Rule): string {
    if (name === 'RULE') {
      switch ((key ?? '').toLowerCase()) {
        case 'id': return String(rule.starter.id);
        case 'msg': return rule.starter.msg ?? '';
        case 'severity': return String(rule.starter.severity ?? '');
        case 'rev': return rule.starter.rev ?? '';
        case 'ver': return rule.starter.ver ?? '';
        case 'logdata': return rule.starter.logdata ?? '';
        case 'phase': return String(rule.starter.phase);
        default: return '';
      }
    }
    if (this.vars.has(name) && key !== undefined) return this.getVar(name, key) ?? '';
    const resolver = getResolver(name);
    if (!resolver) return '';
    const entries = resolver(this, { name, key, exclude: false, count: false });
    return entries.length > 0 ? entries[0].value : '';
  }

  // ---- ctl ----------------------------------------------------------------------------------

  removeRanges(r: IdRange[]): void { this.removedRanges.push(...r); }
  removeTag(tag: string): void { this.removedTags.add(tag); }
  removeMsg(msg: string): void { this.removedMsgs.add(msg); }
  removeTargets(kind: 'id' | 'tag' | 'msg', sel: string, ranges: IdRange[] | undefined, vars: VariableSpec[]): void {
    this.targetRemovals.push({ kind, sel, ranges, vars });
  }
  setRuleEngine(mode: string): void { this.engineMode = mode; }
  setBodyProcessor(p: string): void {
    this.clearCaches();
    this.bodyProcessor = p;
    this.scalars.set('REQBODY_PROCESSOR', p);
  }

  // ---- request / response loading -----------------------------------------------------------

  private clearCaches(): void {
    if (this.targetCache.length > 0) this.targetCache = [];
    if (this.joined.length > 0) this.joined = [];
  }

  private setColl(name: string, pairs: Array<{ name: string; value: string }>): void {
    this.keyIndex.delete(name);
    this.clearCaches();
    this.collections.set(name, pairs.map((p) => ({ key: p.name, value: p.value, name: `${name}:${p.name}`, tv: undefined })));
  }

  private setNames(name: string, pairs: Array<{ name: string }>): void {
    this.keyIndex.delete(name);
    this.clearCaches();
    const base = name.replace(/_NAMES$/, '');
    this.collections.set(name, pairs.map((p) => ({ key: p.name, value: p.name, name: `${base === name ? name : name}:${p.name}`, tv: undefined })));
  }

  private header(name: string): string | undefined {
    const n = name.toLowerCase();
    for (const [k, v] of this.request.headers) if (k.toLowerCase() === n) return v;
    return undefined;
  }

  private loadRequestHeaders(): void {
    const r = this.request;
    const s = this.scalars;
    const version = r.version === '' ? 'HTTP/0.9' : r.version;
    s.set('REQUEST_METHOD', r.method);
    s.set('REQUEST_PROTOCOL', version);
    s.set('REQUEST_LINE', r.requestLine ?? (r.version === '' ? `${r.method} ${r.uri}` : `${r.method} ${r.uri} ${r.version}`));
    s.set('REQUEST_URI_RAW', r.uri);
    let uri = r.uri;
    const hash = uri.indexOf('#');
    if (hash >= 0) uri = uri.slice(0, hash);
    const abs = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?]*/.exec(uri);
    const relUri = abs ? uri.slice(abs[0].length) || '/' : uri;
    s.set('REQUEST_URI', relUri);
    const q = relUri.indexOf('?');
    const path = q < 0 ? relUri : relUri.slice(0, q);
    const filename = uriDecode(path);
    s.set('REQUEST_FILENAME', filename);
    const slash = Math.max(filename.lastIndexOf('/'), filename.lastIndexOf('\\'));
    s.set('REQUEST_BASENAME', slash >= 0 ? filename.slice(slash + 1) : filename);
    s.set('PATH_INFO', '');
    const query = q < 0 ? '' : relUri.slice(q + 1);
    s.set('QUERY_STRING', query);
    const get = parseUrlEncoded(query, this.rules.settings.argumentSeparator);
    if (get.invalidEncoding) s.set('URLENCODED_ERROR', '1');
    this.setColl('ARGS_GET', get.pairs);
    this.setNames('ARGS_GET_NAMES', get.pairs);
    this.collections.set('ARGS_POST', []);
    this.collections.set('ARGS_POST_NAMES', []);
    this.rebuildArgs();
    const headers = r.headers.map(([name, value]) => ({ name, value }));
    this.setColl('REQUEST_HEADERS', headers);
    this.setNames('REQUEST_HEADERS_NAMES', headers);
    const cookies = headers.filter((h) => h.name.toLowerCase() === 'cookie').flatMap((h) => parseCookies(h.value));
    this.setColl('REQUEST_COOKIES', cookies);
    this.setNames('REQUEST_COOKIES_NAMES', cookies);
    s.set('REMOTE_ADDR', r.clientIp ?? '127.0.0.1');
    s.set('REMOTE_HOST', r.clientIp ?? '127.0.0.1');
    s.set('REMOTE_PORT', String(r.clientPort ?? 0));
    s.set('SERVER_ADDR', r.serverIp ?? '127.0.0.1');
    s.set('SERVER_PORT', String(r.serverPort ?? 80));
    const host = this.header('host');
    s.set('SERVER_NAME', host !== undefined ? host.replace(/:\d+$/, '') : (r.serverIp ?? ''));
    const auth = this.header('authorization');
    if (auth !== undefined) s.set('AUTH_TYPE', auth.split(' ')[0]);
    const body = r.body ?? Buffer.alloc(0);
    s.set('REQUEST_BODY_LENGTH', String(body.length));
    s.set('FULL_REQUEST_LENGTH', String(body.length));
    for (const k of ['REQBODY_ERROR', 'REQBODY_PROCESSOR_ERROR', 'MULTIPART_STRICT_ERROR', 'MULTIPART_UNMATCHED_BOUNDARY', 'INBOUND_DATA_ERROR', 'OUTBOUND_DATA_ERROR']) s.set(k, '0');
    s.set('FILES_COMBINED_SIZE', '0');
    s.set('HIGHEST_SEVERITY', '255');
    s.set('REQBODY_PROCESSOR', '');
    const ct = (this.header('content-type') ?? '').toLowerCase();
    if (ct.startsWith('multipart/form-data')) this.setBodyProcessor('MULTIPART');
    else if (ct.startsWith('application/x-www-form-urlencoded')) this.setBodyProcessor('URLENCODED');
  }

  private rebuildArgs(): void {
    this.clearCaches();
    this.keyIndex.delete('ARGS');
    this.keyIndex.delete('ARGS_NAMES');
    const all = [...this.collection('ARGS_GET'), ...this.collection('ARGS_POST')];
    this.collections.set('ARGS', all.map((e) => ({ key: e.key, value: e.value, name: 'ARGS:' + e.key, tv: undefined })));
    this.collections.set('ARGS_NAMES', all.map((e) => ({ key: e.key, value: e.key, name: 'ARGS_NAMES:' + e.key, tv: undefined })));
    let size = 0;
    for (const e of all) size += e.key.length + e.value.length;
    this.scalars.set('ARGS_COMBINED_SIZE', String(size));
  }

  private processRequestBody(): void {
    this.clearCaches();
    const body = this.request.body;
    if (!this.requestBodyAccess || !body || body.length === 0) {
      if (body && body.length > 0) this.scalars.set('REQUEST_BODY', '');
      return;
    }
    const text = body.toString('latin1');
    const s = this.scalars;
    const proc = this.bodyProcessor;
    // As ModSecurity v2 (which CRS is tested on): REQUEST_BODY holds the raw body for the
    // URLENCODED processor or when a rule forced it (CRS does when no processor applies).
    if (proc === 'URLENCODED' || this.forceRequestBodyVariable) this.scalars.set('REQUEST_BODY', text);
    const fail = (msg: string): void => {
      s.set('REQBODY_ERROR', '1');
      s.set('REQBODY_ERROR_MSG', msg);
      s.set('REQBODY_PROCESSOR_ERROR', '1');
      s.set('REQBODY_PROCESSOR_ERROR_MSG', msg);
    };
    let post: Array<{ name: string; value: string }> = [];
    if (proc === 'URLENCODED') {
      const r = parseUrlEncoded(text, this.rules.settings.argumentSeparator);
      if (r.invalidEncoding) s.set('URLENCODED_ERROR', '1');
      post = r.pairs;
    } else if (proc === 'MULTIPART') {
      const ct = this.header('content-type') ?? '';
      const r = parseMultipart(body, ct);
      for (const [k, v] of Object.entries(r.flags)) s.set(k, String(v));
      s.set('MULTIPART_STRICT_ERROR', String(strictError(r.flags, r.error)));
      if (r.error) fail(r.error);
      const files = r.parts.filter((p) => p.filename !== undefined);
      post = r.parts.filter((p) => p.filename === undefined).map((p) => ({ name: p.name, value: p.value }));
      this.setColl('FILES', files.map((p) => ({ name: p.name, value: p.filename as string })));
      this.setColl('FILES_NAMES', files.map((p) => ({ name: p.name, value: p.name })));
      this.setColl('FILES_SIZES', files.map((p) => ({ name: p.name, value: String(p.value.length) })));
      this.setColl('FILES_TMPNAMES', files.map((p) => ({ name: p.name, value: '' })));
      this.setColl('MULTIPART_FILENAME', files.map((p) => ({ name: p.name, value: p.filename as string })));
      this.setColl('MULTIPART_NAME', r.parts.map((p) => ({ name: p.name, value: p.name })));
      this.setColl('MULTIPART_PART_HEADERS', r.parts.flatMap((p) => p.headers.map((h) => ({ name: p.name, value: h }))));
      s.set('FILES_COMBINED_SIZE', String(files.reduce((a, p) => a + p.value.length, 0)));
    } else if (proc === 'JSON') {
      const r = parseJsonBody(body, this.rules.settings.jsonDepthLimit);
      if (r.error) fail(r.error);
      post = r.pairs;
    } else if (proc === 'XML') {
      const r = parseXmlBody(body);
      if (r.error || !r.doc) fail(r.error ?? 'XML parser error');
      else {
        this.collections.set('XML', [
          { key: '/*', value: r.doc.text, name: 'XML:/*', tv: undefined },
          ...r.doc.attributes.map((a) => ({ key: '//@*', value: a.value, name: 'XML://@*', tv: undefined })),
        ]);
      }
    }
    if (post.length > 0) {
      this.setColl('ARGS_POST', post);
      this.setNames('ARGS_POST_NAMES', post);
      this.rebuildArgs();
    }
  }

  private loadResponse(resp: CrsResponse): void {
    this.clearCaches();
    const s = this.scalars;
    s.set('RESPONSE_STATUS', String(resp.status));
    s.set('RESPONSE_PROTOCOL', resp.version ?? 'HTTP/1.1');
    s.set('STATUS_LINE', `${resp.version ?? 'HTTP/1.1'} ${resp.status}`);
    const headers = resp.headers.map(([name, value]) => ({ name, value }));
    this.setColl('RESPONSE_HEADERS', headers);
    this.setNames('RESPONSE_HEADERS_NAMES', headers);
    const ct = headers.find((h) => h.name.toLowerCase() === 'content-type')?.value ?? '';
    s.set('RESPONSE_CONTENT_TYPE', ct);
    const body = resp.body ?? Buffer.alloc(0);
    s.set('RESPONSE_CONTENT_LENGTH', String(body.length));
    const mime = ct.split(';')[0].trim().toLowerCase();
    if (this.responseBodyAccess && this.rules.settings.responseBodyMimeTypes.includes(mime)) {
      const limit = this.rules.settings.responseBodyLimit;
      s.set('RESPONSE_BODY', body.subarray(0, limit).toString('latin1'));
    }
  }
}

function excludes(x: VariableSpec, e: Entry): boolean {
  if (x.key !== undefined) return e.key.toLowerCase() === x.key.toLowerCase();
  if (x.keyRe) return keyMatches(x, e.key);
  return true;
}

/** %XX decoding only (no '+'), as ModSecurity decodes the path for REQUEST_FILENAME. */
function uriDecode(s: string): string {
  if (s.indexOf('%') < 0) return s;
  return s.replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

function timeVar(name: string): string {
  const d = new Date();
  switch (name) {
    case 'TIME_EPOCH': return String(Math.floor(d.getTime() / 1000));
    case 'TIME_YEAR': return String(d.getFullYear());
    case 'TIME_MON': return String(d.getMonth() + 1);
    case 'TIME_DAY': return String(d.getDate());
    case 'TIME_HOUR': return String(d.getHours());
    case 'TIME_MIN': return String(d.getMinutes());
    case 'TIME_SEC': return String(d.getSeconds());
    case 'TIME_WDAY': return String(d.getDay());
    default: return d.toTimeString().slice(0, 8);
  }
}
