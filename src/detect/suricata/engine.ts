// The ET/Suricata engine: an immutable rule set compiled into prefilter groups (one multi-pattern
// matcher per direction and buffer instance), and the match calls the sensor and `replay` use:
// one HTTP transaction side, or one reassembled stream chunk, in -> RuleMatch[] out.
import type { FlowInfo, StreamChunk } from '../../flow/types';
import type { HttpTransaction } from '../../protocols/http/types';
import type { RuleMatch } from '../types';
import { httpListBuffers, rawMessagePieces } from './buffers';
import { listSide, planGroups, prefilterable, type Group, type GroupPlan } from './groups';
import { applyStateActions, endpoints, flowbitsOk, flowintOk, streamSizeOk, xbitsOk, type Endpoints } from './rule-state';
import { evidenceText } from './bytes';
import type { ClassTable } from './classification';
import { inspectItems, newBufferCaches, newInspectContext, type BufferCaches, type InspectContext } from './inspect';
import { numCompare } from './num-compare';
import { prefilterFactory, type MultiPattern, type PrefilterEngine } from './prefilter';
import { HyperscanMatcher, type HsAddon } from './prefilter/hyperscan';
import { DetectState } from './state';
import type { Direction, InspectList, Rule } from './types';
import { matchAddr, matchPort, type AddressEnv } from './vars';

/** A match with what EVE output needs besides the common RuleMatch fields. */
export interface EtMatch extends RuleMatch {
  source: 'et';
  gid: number;
  action: string;
  /** EVE alert.category: the classtype's description ('' without classtype). */
  classDescription: string;
  dir: Direction;
  /** 'http' when matched on a transaction, 'stream' on raw stream data. */
  on: 'http' | 'stream';
  rule: Rule;
}

export interface MatchOptions {
  /** Rebinds address variables for this flow, e.g. { HOME_NET: '10.1.2.3', EXTERNAL_NET: '!10.1.2.3' }. */
  addressVars?: Readonly<Record<string, string>>;
  /** The flow's application protocol, when known ('http' lets `alert http` raw-content rules run on its stream). */
  appProto?: string;
  /** Event time (ms); defaults to the transaction/chunk time. */
  nowMs?: number;
}

/**
 * The per-flow binding a host sensor uses: HOME_NET is this host's end of the flow and
 * EXTERNAL_NET the peer (undefined when the flow does not say which end is local).
 */
export function hostAddressVars(flow: FlowInfo): Record<string, string> | undefined {
  if (flow.localRole === 'client') return { HOME_NET: flow.client.addr, EXTERNAL_NET: flow.server.addr };
  if (flow.localRole === 'server') return { HOME_NET: flow.server.addr, EXTERNAL_NET: flow.client.addr };
  return undefined;
}

/** What verifying one HTTP candidate needs from its match call. */
interface HttpVerify {
  dir: Direction;
  flow: FlowInfo;
  ends: Endpoints;
  env: AddressEnv;
  now: number;
  caches: BufferCaches;
  getList: (l: InspectList, side: Direction) => Buffer[] | null;
}

/** What verifying one stream candidate needs from its match call. */
interface StreamVerify {
  dir: Direction;
  flow: FlowInfo;
  ends: Endpoints;
  env: AddressEnv;
  now: number;
  caches: BufferCaches;
  data: Buffer;
  tailLen: number;
  joined: () => Buffer;
  appProto?: string;
}

/** Which rules take part: by ET category (msg prefix), classtype, or rule file. Empty = all. */
export interface RuleSelection {
  categories?: string[];
  classtypes?: string[];
  files?: string[];
}

/** Bytes of earlier stream data kept per flow direction for matches across chunk boundaries. */
const STREAM_TAIL = 512;

/** True when a stream rule depends on positions from the payload start (then it sees one chunk). */
function isAnchored(r: Rule): boolean {
  if (r.dsize) return true;
  for (const l of r.lists) {
    for (const it of l.items) {
      if (it.kind === 'content' && !it.negated && (it.offset !== undefined || it.depth !== undefined || it.startswith)) return true;
      if ((it.kind === 'byte_test' || it.kind === 'byte_jump' || it.kind === 'byte_extract' || it.kind === 'isdataat') && !it.relative) return true;
      if (it.kind === 'pcre' && !it.relative && /^\^|\(\?[a-z]*\)\^/.test(it.source)) return true;
      if (it.kind === 'bsize') return true;
    }
    // Only negated contents: no positive match to place in the new bytes.
    if (!l.items.some((it) => (it.kind === 'content' && !it.negated) || (it.kind === 'pcre' && !it.negated))) return true;
  }
  return false;
}

function severityPoints(sev: number): number {
  return sev <= 1 ? 5 : sev === 2 ? 4 : sev === 3 ? 3 : 2;
}

export class SuricataEngine {
  readonly prefilter: 'hyperscan' | 'aho-corasick';
  private readonly httpGroups = new Map<Direction, Group[]>();
  private readonly streamGroups = new Map<Direction, Group[]>();
  private readonly httpAlways = new Map<Direction, Rule[]>();
  private readonly streamAlways = new Map<Direction, Rule[]>();
  /** 1 = rule takes part: selected and not disabled at run time. */
  private readonly active: Uint8Array;
  private readonly selected: Uint8Array;
  private readonly disabled: Uint8Array;
  private readonly mark: Uint32Array;
  /** Per rule: 1 when it is anchored to the payload start (see isAnchored). */
  private readonly anchored: Uint8Array;
  private epoch = 0;
  private readonly envCache = new Map<string, AddressEnv>();
  readonly state = new DetectState();
  /** With Hyperscan, a transaction side's buffers are scanned in one native call. */
  private readonly batch?: HsAddon;
  private batchOut = new Uint32Array(4096);
  /** Work done, for metrics: candidates verified, alerts, and verifications that threw (rule skipped). */
  private readonly stats = { http_inspections: 0, stream_inspections: 0, candidates: 0, alerts: 0, errors: 0 };
  /** The last verification error (rule and message), for diagnostics. */
  lastError?: string;

  constructor(
    readonly rules: Rule[],
    private readonly addressEnv: AddressEnv,
    private readonly classes: ClassTable,
    opts: { prefilter?: PrefilterEngine; built?: { plans: GroupPlan[]; matchers: MultiPattern[] } } = {},
  ) {
    const pf = prefilterFactory(opts.prefilter);
    this.prefilter = pf.name;
    this.active = new Uint8Array(rules.length).fill(1);
    this.selected = new Uint8Array(rules.length).fill(1);
    this.disabled = new Uint8Array(rules.length);
    this.mark = new Uint32Array(rules.length);
    this.anchored = Uint8Array.from(rules, (r) => (r.kind === 'stream' && isAnchored(r) ? 1 : 0));
    // Flowbits setters run before the rules that test them, as Suricata orders signatures.
    for (const r of rules) {
      const ops: string[] = [...r.flowbits.map((f) => f.cmd), ...r.xbits.map((x) => x.cmd)];
      for (const f of r.flowint) ops.push(f.op === '+' || f.op === '-' || f.op === '=' ? 'set' : 'isset');
      const sets = ops.some((c) => c === 'set' || c === 'unset' || c === 'toggle');
      const tests = ops.some((c) => c === 'isset' || c === 'isnotset');
      r.order = (sets && !tests ? 0 : tests && !sets ? 2 : 1) * 1e7 + r.idx;
    }
    const plans = opts.built?.plans ?? planGroups(rules);
    const matchers = opts.built?.matchers ?? plans.map((p) => pf.make(p.specs));
    for (const dir of ['to_server', 'to_client'] as Direction[]) {
      this.httpGroups.set(dir, []);
      this.streamGroups.set(dir, []);
      this.httpAlways.set(dir, rules.filter((r) => r.kind === 'http' && r.dirs.includes(dir) && !prefilterable(r)));
      this.streamAlways.set(dir, rules.filter((r) => r.kind === 'stream' && r.dirs.includes(dir) && !prefilterable(r)));
    }
    plans.forEach((p, i) => {
      const g: Group = { dir: p.dir, list: p.list, side: p.side, matcher: matchers[i], rules: p.rules };
      (p.kind === 'http' ? this.httpGroups : this.streamGroups).get(p.dir)!.push(g);
    });
    const first = matchers[0];
    if (first instanceof HyperscanMatcher) this.batch = first.hs;
  }

  /**
   * Like the constructor, but Hyperscan databases compile on libuv threads in parallel (and the
   * JS thread stays free meanwhile).
   */
  static async create(rules: Rule[], addressEnv: AddressEnv, classes: ClassTable, opts: { prefilter?: PrefilterEngine } = {}): Promise<SuricataEngine> {
    const pf = prefilterFactory(opts.prefilter);
    const plans = planGroups(rules);
    const matchers = await Promise.all(plans.map((p) => (pf.makeAsync ? pf.makeAsync(p.specs) : Promise.resolve(pf.make(p.specs)))));
    return new SuricataEngine(rules, addressEnv, classes, { prefilter: opts.prefilter, built: { plans, matchers } });
  }

  counters(): Record<string, number> {
    return { ...this.stats };
  }

  /** Number of prefilter groups (multi-pattern databases) built. */
  groupCount(): number {
    let n = 0;
    for (const m of [this.httpGroups, this.streamGroups]) for (const g of m.values()) n += g.length;
    return n;
  }

  /** Turns sids off (or back on) at run time; independent of select(). */
  setDisabled(sids: Iterable<number>, disabled = true): void {
    const set = new Set(sids);
    for (const r of this.rules) {
      if (!set.has(r.sid)) continue;
      this.disabled[r.idx] = disabled ? 1 : 0;
      this.active[r.idx] = this.selected[r.idx] && !this.disabled[r.idx] ? 1 : 0;
    }
  }

  /** Restricts matching to a subset of rules (by ET category, classtype or file); empty selects all. */
  select(sel: RuleSelection): number {
    const cats = sel.categories?.map((c) => c.toUpperCase().replace(/^ET\s+/, ''));
    let n = 0;
    for (const r of this.rules) {
      const ok =
        (!cats?.length || cats.includes(r.category.toUpperCase())) &&
        (!sel.classtypes?.length || (r.classtype !== undefined && sel.classtypes.includes(r.classtype))) &&
        (!sel.files?.length || sel.files.some((f) => r.file === f || r.file.endsWith('/' + f)));
      this.selected[r.idx] = ok ? 1 : 0;
      this.active[r.idx] = ok && !this.disabled[r.idx] ? 1 : 0;
      if (ok) n++;
    }
    return n;
  }

  endFlow(flow: FlowInfo): void {
    this.state.endFlow(flow.id);
  }

  private env(vars?: Readonly<Record<string, string>>): AddressEnv {
    if (!vars) return this.addressEnv;
    const key = JSON.stringify(vars);
    let e = this.envCache.get(key);
    if (!e) {
      if (this.envCache.size > 4096) this.envCache.clear();
      e = this.addressEnv.bind(vars);
      this.envCache.set(key, e);
    }
    return e;
  }

  matchRequest(tx: HttpTransaction, opts: MatchOptions = {}): EtMatch[] {
    if (!tx.request) return [];
    return this.matchHttp(tx, 'to_server', opts);
  }

  matchResponse(tx: HttpTransaction, opts: MatchOptions = {}): EtMatch[] {
    if (!tx.response) return [];
    return this.matchHttp(tx, 'to_client', opts);
  }

  private nextEpoch(): number {
    if (++this.epoch === 0xffffffff) {
      this.mark.fill(0);
      this.epoch = 1;
    }
    return this.epoch;
  }

  private matchHttp(tx: HttpTransaction, dir: Direction, opts: MatchOptions): EtMatch[] {
    this.stats.http_inspections++;
    const bufs = new Map<string, Buffer[] | null>();
    const getList = (l: InspectList, side: Direction): Buffer[] | null => {
      const key = `${l.key}#${side}`;
      let b = bufs.get(key);
      if (b === undefined) {
        b = httpListBuffers(l, tx, side);
        bufs.set(key, b);
      }
      return b;
    };
    const cands: Rule[] = [];
    const ep = this.nextEpoch();
    const add = (idx: number): void => {
      if (this.mark[idx] !== ep && this.active[idx]) {
        this.mark[idx] = ep;
        cands.push(this.rules[idx]);
      }
    };
    const dbs: object[] = [];
    const bufsToScan: Buffer[] = [];
    const which: Group[] = [];
    for (const g of this.httpGroups.get(dir)!) {
      // The raw message (payload lists of HTTP rules) is scanned in two pieces, head and body, so
      // the body is not copied for every transaction; candidates are verified on the whole message.
      const bl = g.list.buffer.name === 'payload' && !g.list.transforms.length ? rawMessagePieces(tx, g.side) : getList(g.list, g.side);
      if (!bl) continue;
      for (const b of bl) {
        if (!b.length) continue;
        if (this.batch) {
          dbs.push((g.matcher as HyperscanMatcher).db);
          bufsToScan.push(b);
          which.push(g);
        } else g.matcher.scan(b, (id) => { for (const idx of g.rules[id]) add(idx); });
      }
    }
    if (this.batch && dbs.length) {
      let n = this.batch.hsScanBatch(dbs, bufsToScan, this.batchOut);
      if (n > this.batchOut.length) {
        this.batchOut = new Uint32Array(n * 2);
        n = this.batch.hsScanBatch(dbs, bufsToScan, this.batchOut);
      }
      const out = this.batchOut;
      for (let k = 0; k < n; k += 2) for (const idx of which[out[k]].rules[out[k + 1]]) add(idx);
    }
    for (const r of this.httpAlways.get(dir)!) add(r.idx);
    if (!cands.length) return [];
    cands.sort((a, b) => a.order - b.order);
    const flow = tx.flow;
    const now = opts.nowMs ?? (dir === 'to_server' ? tx.request?.startMs : tx.response?.startMs) ?? flow.lastMs;
    const ends = endpoints(flow, dir);
    const env = this.env(opts.addressVars);
    const caches = newBufferCaches();
    const vc: HttpVerify = { dir, flow, ends, env, now, caches, getList };
    return this.verifyCandidates(cands, (r) => this.verifyHttp(r, vc));
  }

  /** All conditions of an HTTP rule on one transaction side; fires it when they hold. */
  private verifyHttp(r: Rule, v: HttpVerify): EtMatch | undefined {
    const { dir, flow, ends, now } = v;
    if (!this.headerMatches(r, ends, v.env)) return undefined;
    if (r.flow.notEstablished) return undefined;
    if (!flowbitsOk(this.state, r, flow.id)) return undefined;
    if (r.xbits.length && !xbitsOk(this.state, r, ends, now)) return undefined;
    if (r.flowint.length && !flowintOk(this.state, r, flow.id)) return undefined;
    if (r.streamSize && !streamSizeOk(r, flow)) return undefined;
    const ctx = newInspectContext(v.caches);
    let evidence: { buffer: string; matched: string } | undefined;
    for (let li = 0; li < r.lists.length; li++) {
      const l = r.lists[li];
      const res = inspectList(l, v.getList(l, listSide(l, dir)), ctx);
      if (!res) return undefined;
      if (res !== true && (!evidence || li === r.fast?.list)) evidence = { buffer: l.buffer.name, matched: res };
    }
    return this.fire(r, dir, flow, ends, now, 'http', evidence);
  }

  /** Verifies the candidates in rule order; a rule whose keyword throws costs only itself (counted). */
  private verifyCandidates(cands: Rule[], verify: (r: Rule) => EtMatch | undefined): EtMatch[] {
    const out: EtMatch[] = [];
    for (const r of cands) {
      this.stats.candidates++;
      let m: EtMatch | undefined;
      try {
        m = verify(r);
      } catch (e) {
        this.noteError(r, e);
        continue;
      }
      if (m) {
        this.stats.alerts++;
        out.push(m);
      }
    }
    return out;
  }

  private noteError(r: Rule, e: unknown): void {
    this.stats.errors++;
    this.lastError = `sid ${r.sid} (${r.file}:${r.line}): ${(e as Error).message}`;
  }

  /**
   * Stream rules on one reassembled chunk. Rules without absolute positions also see the last
   * STREAM_TAIL bytes of the previous chunks, so a pattern split across segments matches; they
   * alert only when their match ends in the new bytes. Rules anchored to the payload start (depth,
   * offset, startswith, dsize, absolute byte_* / isdataat) see the chunk alone, like a packet.
   */
  matchStream(chunk: StreamChunk, opts: MatchOptions = {}): EtMatch[] {
    const dir = chunk.dir;
    const data = chunk.data;
    if (!data.length) return [];
    this.stats.stream_inspections++;
    const flow = chunk.flow;
    const tailKey = flow.id + (dir === 'to_server' ? '>' : '<');
    const tail = chunk.gapBefore ? undefined : this.state.tail(tailKey);
    const tailLen = tail ? tail.length : 0;
    // The chunk is scanned as is; only the seam (kept tail + the chunk's first bytes) is copied for
    // the prefilter, and the whole joined buffer only if a candidate needs it.
    let joinedBuf: Buffer | undefined;
    const joined = (): Buffer => (joinedBuf ??= tail ? Buffer.concat([tail, data]) : data);
    this.state.setTail(
      tailKey,
      data.length >= STREAM_TAIL ? Buffer.from(data.subarray(data.length - STREAM_TAIL)) : Buffer.from(joined().subarray(Math.max(0, tailLen + data.length - STREAM_TAIL))),
    );
    const toScan = tail ? [data, Buffer.concat([tail, data.subarray(0, STREAM_TAIL - 1)])] : [data];
    const cands: Rule[] = [];
    const ep = this.nextEpoch();
    const add = (idx: number): void => {
      if (this.mark[idx] !== ep && this.active[idx]) {
        this.mark[idx] = ep;
        cands.push(this.rules[idx]);
      }
    };
    for (const g of this.streamGroups.get(dir)!) for (const b of toScan) g.matcher.scan(b, (id) => { for (const idx of g.rules[id]) add(idx); });
    for (const r of this.streamAlways.get(dir)!) add(r.idx);
    if (!cands.length) return [];
    cands.sort((a, b) => a.order - b.order);
    const ends = endpoints(flow, dir);
    const env = this.env(opts.addressVars);
    const now = opts.nowMs ?? chunk.timeMs;
    const caches = newBufferCaches();
    const vc: StreamVerify = { dir, flow, ends, env, now, caches, data, tailLen, joined, appProto: opts.appProto };
    return this.verifyCandidates(cands, (r) => this.verifyStream(r, vc));
  }

  /** All conditions of a stream rule on one chunk (with the kept tail); fires it when they hold. */
  private verifyStream(r: Rule, v: StreamVerify): EtMatch | undefined {
    const { dir, flow, ends, now, data, tailLen } = v;
    if ((r.proto === 'http' || r.proto === 'http1') && v.appProto !== 'http') return undefined;
    if (!this.headerMatches(r, ends, v.env)) return undefined;
    if (r.flow.notEstablished) return undefined;
    if (r.dsize && !numCompare(r.dsize, data.length)) return undefined;
    if (r.streamSize && !streamSizeOk(r, flow)) return undefined;
    if (!flowbitsOk(this.state, r, flow.id)) return undefined;
    if (r.xbits.length && !xbitsOk(this.state, r, ends, now)) return undefined;
    if (r.flowint.length && !flowintOk(this.state, r, flow.id)) return undefined;
    const anchored = this.anchored[r.idx] === 1 || tailLen === 0;
    const buf = anchored ? data : v.joined();
    const ctx = newInspectContext(v.caches);
    let evidence: { buffer: string; matched: string } | undefined;
    for (const l of r.lists) {
      const res = inspectList(l, [buf], ctx);
      if (!res || (!anchored && ctx.spanEnd <= tailLen)) return undefined;
      if (res !== true && !evidence) evidence = { buffer: 'payload', matched: res };
    }
    return this.fire(r, dir, flow, ends, now, 'stream', evidence);
  }

  private headerMatches(r: Rule, e: Endpoints, env: AddressEnv): boolean {
    const fwd =
      matchPort(r.srcPorts, e.srcPort) && matchPort(r.dstPorts, e.dstPort) && matchAddr(r.src, e.src, env) && matchAddr(r.dst, e.dst, env);
    if (fwd) return true;
    if (!r.bidirectional) return false;
    return matchPort(r.srcPorts, e.dstPort) && matchPort(r.dstPorts, e.srcPort) && matchAddr(r.src, e.dst, env) && matchAddr(r.dst, e.src, env);
  }

  private fire(r: Rule, dir: Direction, flow: FlowInfo, e: Endpoints, now: number, on: 'http' | 'stream', ev?: { buffer: string; matched: string }): EtMatch | undefined {
    applyStateActions(this.state, r, flow.id, e, now);
    if (r.noalert) return undefined;
    for (const t of [r.detectionFilter, r.threshold]) {
      if (!t) continue;
      const track =
        t.track === 'by_src' ? e.srcText : t.track === 'by_dst' ? e.dstText : t.track === 'by_both' ? `${e.srcText}>${e.dstText}` : t.track === 'by_flow' ? flow.id : '';
      if (!this.state.allow(`${t.type}|${r.gid}:${r.sid}|${track}`, t, now)) return undefined;
    }
    const cls = r.classtype ? this.classes.get(r.classtype) : undefined;
    return {
      source: 'et',
      id: r.sid,
      rev: r.rev,
      msg: r.msg,
      severity: Math.min(4, Math.max(1, r.severity)),
      tags: r.category ? [r.category] : [],
      classtype: r.classtype,
      target: ev?.buffer ?? (r.lists[0]?.buffer.name ?? 'payload'),
      matched: ev?.matched ?? '',
      points: severityPoints(r.severity),
      category: r.category ? r.category.toLowerCase() : undefined,
      gid: r.gid,
      action: r.action,
      classDescription: cls?.description ?? '',
      dir,
      on,
      rule: r,
    };
  }
}

/** Runs a list over its buffer instances: false, true (matched without bytes), or the evidence text. */
function inspectList(l: InspectList, bufs: Buffer[] | null, ctx: InspectContext): string | boolean {
  if (!bufs) return l.absent !== undefined;
  if (l.absent === 'absent') return false;
  for (const b of bufs) {
    ctx.spanStart = -1;
    ctx.spanEnd = -1;
    ctx.steps = 3000;
    if (inspectItems(l.items, 0, b, 0, ctx)) {
      return ctx.spanStart >= 0 ? evidenceText(b.subarray(ctx.spanStart, ctx.spanEnd)) || true : true;
    }
  }
  return false;
}
