// Rule text -> Rule. Splits the header and the `;`-separated options, runs each keyword's setup from
// the keyword table, then derives what matching needs (kind, directions, fast pattern).
import { BUFFERS } from './buffers';
import { RuleBuilder, type RuleHeader } from './builder';
import { RuleSyntaxError } from './bytes';
import { RuleLoadError } from './errors';
import type { PcreVerdicts } from './pcre-compile';
import { indexOfUnescaped, splitOptions } from './rule-text';
import { selectFastPattern } from './fast-pattern';
import { lookupKeyword, UnsupportedKeyword } from './keywords/registry';
import './keywords';
import { parseMetadata } from './keywords/metadata';
import type { ClassTable } from './classification';
import type { Direction, Rule, RuleProto } from './types';
import { addrVars, parseAddr, parsePorts, type AddressEnv } from './vars';

// 'ip' rules run on the TCP payloads we see (the only IP traffic this engine is given).
const SUPPORTED_PROTOS = new Set<RuleProto>(['tcp', 'http', 'http1', 'tcp-pkt', 'tcp-stream', 'ip']);
const ACTIONS = new Set(['alert', 'drop', 'reject', 'rejectsrc', 'rejectdst', 'rejectboth', 'pass', 'config']);

export { RuleLoadError };

export interface ParseContext {
  /** Leave RE2 compilation of pcre to a validation pass run elsewhere (loadRulesAsync). */
  deferPcre?: boolean;
  /** RE2 verdicts remembered from earlier loads. */
  pcreVerdicts?: PcreVerdicts;
  addressEnv: AddressEnv;
  portVars: Readonly<Record<string, string>>;
  classes: ClassTable;
}

/** Splits the header on whitespace while keeping bracketed lists (`[1.2.3.4, 5.6.7.8]`) whole. */
function splitHeader(h: string): string[] {
  if (!h.includes('[')) return h.split(/\s+/).filter(Boolean);
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of h) {
    if (ch === '[') depth++;
    if (ch === ']') depth--;
    if (/\s/.test(ch) && depth === 0) {
      if (cur) out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

export function parseHeader(text: string, ctx: ParseContext): RuleHeader {
  const parts = splitHeader(text);
  if (parts.length !== 7) throw new RuleLoadError('syntax error', `rule header must have 7 fields, got ${parts.length}: "${text}"`);
  const [action, proto, src, sp, dir, dst, dp] = parts;
  if (!ACTIONS.has(action)) throw new RuleLoadError('syntax error', `unknown action "${action}"`);
  if (!SUPPORTED_PROTOS.has(proto as RuleProto)) {
    throw new RuleLoadError(`protocol ${proto} not supported`, `protocol ${proto} is not inspected (HTTP/TCP engine)`);
  }
  if (dir !== '->' && dir !== '<>' && dir !== '=>') throw new RuleLoadError('syntax error', `invalid direction "${dir}"`);
  try {
    const h: RuleHeader = {
      action,
      proto: proto as RuleProto,
      src: parseAddr(src),
      srcPorts: parsePorts(sp, ctx.portVars),
      dst: parseAddr(dst),
      dstPorts: parsePorts(dp, ctx.portVars),
      bidirectional: dir === '<>',
      transactional: dir === '=>',
    };
    for (const v of [...addrVars(h.src), ...addrVars(h.dst)]) {
      if (!ctx.addressEnv.has(v)) throw new RuleLoadError('undefined variable', `undefined address variable $${v}`);
    }
    return h;
  } catch (e) {
    if (e instanceof RuleSyntaxError) {
      const undef = /undefined port variable/.test(e.message);
      throw new RuleLoadError(undef ? 'undefined variable' : 'syntax error', e.message);
    }
    throw e;
  }
}

// ET repeats a few hundred distinct headers over tens of thousands of rules: parse each once.
// Header objects are immutable once built, so rules share them.
const headerCache = new WeakMap<ParseContext, Map<string, RuleHeader | RuleLoadError>>();

function cachedHeader(text: string, ctx: ParseContext): RuleHeader {
  let m = headerCache.get(ctx);
  if (!m) headerCache.set(ctx, (m = new Map()));
  let h = m.get(text);
  if (!h) {
    try {
      h = parseHeader(text, ctx);
    } catch (e) {
      if (!(e instanceof RuleLoadError)) throw e;
      h = e;
    }
    m.set(text, h);
  }
  if (h instanceof RuleLoadError) throw h;
  return h;
}

/** Parses one rule (already joined across continuation lines). */
export function parseRule(text: string, file: string, line: number, idx: number, ctx: ParseContext): Rule {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new RuleLoadError('syntax error', 'rule options must be enclosed in ( )');
  const header = cachedHeader(text.slice(0, open).trim(), ctx);
  const b = new RuleBuilder(header, ctx.deferPcre, ctx.pcreVerdicts);
  for (const opt of splitOptions(text.slice(open + 1, close))) {
    const colon = indexOfUnescaped(opt, ':');
    const name = (colon >= 0 ? opt.slice(0, colon) : opt).trim();
    const value = colon >= 0 ? opt.slice(colon + 1).trim() : undefined;
    const kw = lookupKeyword(name);
    if (!kw) throw new RuleLoadError(`unsupported keyword ${name.toLowerCase()}`, `unknown or unsupported keyword "${name}"`);
    try {
      kw.setup(b, value);
    } catch (e) {
      if (e instanceof UnsupportedKeyword) throw new RuleLoadError(`unsupported keyword ${e.keyword}`, e.message);
      if (e instanceof RuleLoadError) throw e;
      if (e instanceof RuleSyntaxError) throw new RuleLoadError(`invalid ${name.toLowerCase()}`, `${name}: ${e.message}`);
      throw e;
    }
  }
  if (b.sid === undefined) throw new RuleLoadError('syntax error', 'rule has no sid');
  return finish(b, text, file, line, idx, ctx);
}


/**
 * A copy that does not share the rule text: V8 keeps slices of 13+ characters as views of the whole
 * string, so one kept msg or reference would pin every rule's full text (12 MB for ET Open).
 */
function flat(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}

function finish(b: RuleBuilder, text: string, file: string, line: number, idx: number, ctx: ParseContext): Rule {
  const h = b.header;
  const lists = b.lists.filter((l) => l.items.length > 0 || l.absent);
  const httpLists = lists.filter((l) => l.buffer.name !== 'payload');
  const kind: Rule['kind'] = httpLists.length > 0 ? 'http' : 'stream';
  if (kind === 'http' && (h.proto === 'tcp-pkt' || h.proto === 'tcp-stream' || h.proto === 'ip')) {
    throw new RuleLoadError('syntax error', `${h.proto} rule cannot use HTTP buffers`);
  }
  let dirs: Direction[];
  if (b.flow.dir) dirs = [b.flow.dir];
  else if (kind === 'http') {
    let req = false;
    let resp = false;
    for (const l of httpLists) {
      const d = l.dir ?? (l.buffer.dirs.length === 1 ? l.buffer.dirs[0] : undefined);
      if (d === 'to_server') req = true;
      if (d === 'to_client') resp = true;
    }
    dirs = resp ? ['to_client'] : req ? ['to_server'] : ['to_server', 'to_client'];
  } else dirs = ['to_server', 'to_client'];
  if (kind === 'http' && dirs.length === 1 && dirs[0] === 'to_server') {
    for (const l of httpLists) {
      if ((l.dir ?? (l.buffer.dirs.length === 1 ? l.buffer.dirs[0] : undefined)) === 'to_client') {
        throw new RuleLoadError('conflicting directions', `flow:to_server with response buffer ${l.buffer.name}`);
      }
    }
  }
  const cls = b.classtype ? ctx.classes.get(b.classtype) : undefined;
  if (b.classtype && !cls) throw new RuleLoadError('unknown classtype', `unknown classtype ${b.classtype}`);
  const catMatch = /^(?:ET|GPL|ETPRO)\s+([A-Z][A-Z0-9_]*)/.exec(b.msg);
  const rule: Rule = {
    idx,
    action: h.action,
    proto: h.proto,
    src: h.src,
    srcPorts: h.srcPorts,
    dst: h.dst,
    dstPorts: h.dstPorts,
    bidirectional: h.bidirectional,
    transactional: h.transactional,
    gid: b.gid,
    sid: b.sid!,
    rev: b.rev,
    msg: flat(b.msg),
    classtype: b.classtype === undefined ? undefined : flat(b.classtype),
    priority: b.priority,
    references: b.references.map(flat),
    flow: b.flow,
    flowbits: b.flowbits,
    xbits: b.xbits,
    flowint: b.flowint,
    noalert: b.noalert,
    threshold: b.threshold,
    detectionFilter: b.detectionFilter,
    dsize: b.dsize,
    urilen: b.urilen,
    streamSize: b.streamSize,
    lists,
    kind,
    dirs,
    file,
    line,
    category: catMatch ? flat(catMatch[1]) : '',
    severity: b.priority ?? cls?.priority ?? 3,
    order: idx,
    metadataText: b.metadataText.map(flat),
    pcreKeys: b.pcreKeys,
    fast: undefined,
  };
  rule.fast = selectFastPattern(rule);
  return rule;
}

/** A rule's `metadata:` pairs, parsed when asked for (kept as text in the rule). */
export function ruleMetadata(rule: Rule): Record<string, string[]> {
  return parseMetadata(rule.metadataText);
}

export { BUFFERS, splitOptions };
