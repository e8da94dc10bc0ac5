// Builds a Rule from its header and options: keyword files call these helpers, so the rules of the
// language (which list a keyword attaches to, what "the previous content" is) live in one place.
import { BUFFERS } from './buffers';
import type { PcreVerdicts } from './pcre-compile';
import { RuleSyntaxError } from './bytes';
import type {
  AddrExpr,
  ContentItem,
  Direction,
  FlowbitsOp,
  XbitsOp,
  FlowintOp,
  FlowCond,
  InspectList,
  Item,
  NumCompare,
  PortSet,
  Rule,
  RuleProto,
  ThresholdSpec,
  Transform,
  Base64DecodeItem,
} from './types';

export interface RuleHeader {
  action: string;
  proto: RuleProto;
  src: AddrExpr;
  srcPorts: PortSet;
  dst: AddrExpr;
  dstPorts: PortSet;
  bidirectional: boolean;
  transactional: boolean;
}

export class RuleBuilder {
  gid = 1;
  sid?: number;
  rev = 0;
  msg = '';
  classtype?: string;
  priority?: number;
  references: string[] = [];
  /** Raw `metadata:` values; parsed on first use of Rule.metadata. */
  metadataText: string[] = [];
  flow: FlowCond = {};
  flowbits: FlowbitsOp[] = [];
  xbits: XbitsOp[] = [];
  flowint: FlowintOp[] = [];
  noalert = false;
  threshold?: ThresholdSpec;
  detectionFilter?: ThresholdSpec;
  dsize?: NumCompare;
  urilen?: { cmp: NumCompare; raw: boolean };
  streamSize?: Rule['streamSize'];
  lists: InspectList[] = [];
  /** pcre keys (flags/source) of this rule; with deferPcre RE2 runs later, in a worker. */
  pcreKeys: string[] = [];
  /** Variables defined by byte_extract so far. */
  vars = new Set<string>();
  /** Whether keywords after `base64_data` go to the last base64_decode's sub-list. */
  private base64Target?: Base64DecodeItem;
  private sticky?: { buffer: string; dir?: Direction; transforms: Transform[]; absent?: InspectList['absent'] };
  private lastContentRef?: { item: ContentItem; list: InspectList | Item[] };
  private lastBase64?: Base64DecodeItem;

  constructor(
    readonly header: RuleHeader,
    readonly deferPcre = false,
    /** Cached RE2 verdicts: a pattern known to compile is compiled on first use. */
    readonly pcreVerdicts?: PcreVerdicts,
  ) {}

  /** `http.uri;` style: keywords that follow inspect this buffer. */
  setSticky(buffer: string, dir?: Direction): void {
    if (!BUFFERS.has(buffer)) throw new RuleSyntaxError(`unknown buffer ${buffer}`);
    this.sticky = { buffer, dir, transforms: [] };
    this.base64Target = undefined;
  }

  hasSticky(): boolean {
    return this.sticky !== undefined;
  }

  /**
   * Adds a transform to the sticky buffer. Keywords after it inspect the transformed instance; a
   * transform after content (Suricata 8) leaves the earlier content on the untransformed bytes.
   */
  addTransform(t: Transform): void {
    if (!this.sticky) throw new RuleSyntaxError(`transform ${t.name} needs a sticky buffer before it`);
    this.sticky.transforms = [...this.sticky.transforms, t];
  }

  setAbsent(mode: InspectList['absent']): void {
    if (!this.sticky) throw new RuleSyntaxError('absent needs a sticky buffer before it');
    this.sticky.absent = mode;
    const l = this.currentList(true)!;
    l.absent = mode;
  }

  private listKey(buffer: string, transforms: Transform[], dir?: Direction): string {
    return [buffer, ...transforms.map((t) => t.key)].join('|') + (dir ? '@' + dir : '');
  }

  private getList(buffer: string, transforms: Transform[], dir?: Direction): InspectList {
    const key = this.listKey(buffer, transforms, dir);
    let l = this.lists.find((x) => x.key === key);
    if (!l) {
      l = { key, buffer: BUFFERS.get(buffer)!, transforms: [...transforms], dir, items: [] };
      this.lists.push(l);
    }
    return l;
  }

  /** The list keywords currently attach to: the sticky buffer, else the payload. */
  currentList(create = true): InspectList | undefined {
    if (this.sticky) {
      const key = this.listKey(this.sticky.buffer, this.sticky.transforms, this.sticky.dir);
      const found = this.lists.find((x) => x.key === key);
      if (found || !create) return found;
      return this.getList(this.sticky.buffer, this.sticky.transforms, this.sticky.dir);
    }
    return create ? this.getList('payload', []) : this.lists.find((x) => x.key === 'payload');
  }

  /** Adds an inspection item to the current list (or the base64_data sub-list). */
  addItem(item: Item): void {
    if (this.base64Target) {
      this.base64Target.data.push(item);
      if (item.kind === 'content') this.lastContentRef = { item, list: this.base64Target.data };
    } else {
      const l = this.currentList(true)!;
      l.items.push(item);
      if (item.kind === 'content') this.lastContentRef = { item, list: l };
    }
    if (item.kind === 'base64_decode') this.lastBase64 = item;
  }

  /**
   * Adds a relative keyword (pcre /R, byte_* relative, isdataat relative, base64_decode relative).
   * Without a sticky buffer it joins the list of the previous content, as Suricata does, so
   * `content:"a"; http_uri; pcre:"/b/R";` inspects the URI.
   */
  addRelativeItem(item: Item): void {
    const ref = this.lastContentRef;
    if (this.sticky || this.base64Target || !ref || Array.isArray(ref.list)) {
      this.addItem(item);
      return;
    }
    ref.list.items.push(item);
    if (item.kind === 'base64_decode') this.lastBase64 = item;
  }

  /** Adds an item to a given buffer's list (pcre /U and friends), without changing the sticky buffer. */
  addItemTo(buffer: string, item: Item, dir?: Direction): void {
    this.getList(buffer, [], dir).items.push(item);
  }

  lastContent(kw: string): ContentItem {
    if (!this.lastContentRef) throw new RuleSyntaxError(`${kw} needs a preceding content`);
    return this.lastContentRef.item;
  }

  /** The item most recently added to the current list (for relative keywords). */
  lastItem(): Item | undefined {
    const items = this.base64Target ? this.base64Target.data : this.currentList(false)?.items;
    return items && items.length ? items[items.length - 1] : undefined;
  }

  /** Legacy `content:"x"; http_uri;`: moves the previous payload content into the buffer's list. */
  moveLastContent(buffer: string, kw: string): void {
    const ref = this.lastContentRef;
    if (!ref) throw new RuleSyntaxError(`${kw} needs a preceding content`);
    if (Array.isArray(ref.list) || ref.list.buffer.name !== 'payload') {
      if (!Array.isArray(ref.list) && ref.list.buffer.name === buffer) return;
      throw new RuleSyntaxError(`${kw} after a content that already has a buffer`);
    }
    const from = ref.list;
    const i = from.items.lastIndexOf(ref.item);
    from.items.splice(i, 1);
    // Relative keywords that followed the content move with it (content:"a"; distance:0; pcre:/R; http_uri).
    const tail = from.items.splice(i);
    const to = this.getList(buffer, []);
    to.items.push(ref.item, ...tail);
    if (from.items.length === 0 && !from.absent) this.lists.splice(this.lists.indexOf(from), 1);
    this.lastContentRef = { item: ref.item, list: to };
  }

  /** `base64_data`: following keywords inspect the last base64_decode's output. */
  enterBase64Data(): void {
    if (!this.lastBase64) throw new RuleSyntaxError('base64_data needs a preceding base64_decode');
    this.base64Target = this.lastBase64;
  }
}
