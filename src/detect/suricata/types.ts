// Internal types of the Suricata/ET engine: compiled rules are immutable after load and shared by
// every flow; per-inspection state lives in InspectContext and the engine's DetectState.
import type RE2 from 're2';

export type Direction = 'to_server' | 'to_client';

/** A byte-level change applied to a buffer before inspection (url_decode, xor, from_base64 ...). */
export interface Transform {
  name: string;
  /** Canonical text of name + arguments: two lists share a buffer instance only when keys match. */
  key: string;
  apply(buf: Buffer): Buffer;
}

/** A number operand: a literal or a byte_extract variable resolved at inspection time. */
export type NumRef = number | { var: string };

export interface ContentItem {
  kind: 'content';
  pattern: Buffer;
  /** pattern lowercased (ASCII) when nocase. */
  lower: Buffer;
  nocase: boolean;
  negated: boolean;
  offset?: NumRef;
  depth?: NumRef;
  distance?: NumRef;
  within?: NumRef;
  startswith: boolean;
  endswith: boolean;
  fastPattern?: { only: boolean; chop?: [number, number] };
  /** Text as written, for reports. */
  text: string;
}

export interface PcreItem {
  kind: 'pcre';
  /** Compiled RE2; set at load, or on first use when validation was deferred. */
  re?: RE2;
  negated: boolean;
  relative: boolean;
  /** RE2 source (after PCRE translation) and RE2 flags. */
  source: string;
  flags: string;
}

export interface ByteTestItem {
  kind: 'byte_test';
  bytes: number;
  op: '<' | '>' | '=' | '<=' | '>=' | '&' | '^';
  negated: boolean;
  value: NumRef;
  offset: NumRef;
  relative: boolean;
  bigEndian: boolean;
  string?: 'dec' | 'hex' | 'oct';
  bitmask?: number;
}

export interface ByteJumpItem {
  kind: 'byte_jump';
  bytes: number;
  offset: NumRef;
  relative: boolean;
  multiplier: number;
  bigEndian: boolean;
  string?: 'dec' | 'hex' | 'oct';
  align: boolean;
  fromBeginning: boolean;
  fromEnd: boolean;
  postOffset: number;
  bitmask?: number;
}

export interface ByteExtractItem {
  kind: 'byte_extract';
  bytes: number;
  offset: number;
  name: string;
  relative: boolean;
  multiplier: number;
  bigEndian: boolean;
  string?: 'dec' | 'hex' | 'oct';
  align: number;
  bitmask?: number;
}

export interface IsDataAtItem {
  kind: 'isdataat';
  pos: NumRef;
  relative: boolean;
  negated: boolean;
}

/** Numeric comparison as used by bsize, dsize, urilen, stream_size. */
export interface NumCompare {
  op: '=' | '<' | '>' | '<=' | '>=' | '!=' | '<>';
  a: number;
  b?: number;
}

export interface BsizeItem {
  kind: 'bsize';
  cmp: NumCompare;
}

export interface Base64DecodeItem {
  kind: 'base64_decode';
  bytes?: number;
  offset: number;
  relative: boolean;
  /** The items after base64_data, run on the decoded bytes. */
  data: Item[];
}

export type Item =
  | ContentItem
  | PcreItem
  | ByteTestItem
  | ByteJumpItem
  | ByteExtractItem
  | IsDataAtItem
  | BsizeItem
  | Base64DecodeItem;

/** Where a list's bytes come from: 'payload' is the raw stream/packet data. */
export interface BufferDef {
  name: string;
  /** Directions the buffer exists in. */
  dirs: Direction[];
  /** Fast-pattern priority: lower is preferred (Suricata: app-layer 2, payload 3, http.method 4). */
  priority: number;
  /** True for buffers with several instances per transaction (http.request_header). */
  multi: boolean;
}

/** The keywords of one rule that inspect one buffer instance (buffer + transforms + direction). */
export interface InspectList {
  /** Unique key of the buffer instance, e.g. `http.uri|url_decode` or `file.data@to_client`. */
  key: string;
  buffer: BufferDef;
  transforms: Transform[];
  /** Direction forced by `http.connection: to_client` style syntax. */
  dir?: Direction;
  items: Item[];
  /** `absent` / `absent: or_else`. */
  absent?: 'absent' | 'or_else';
}

export interface FlowCond {
  established?: boolean;
  notEstablished?: boolean;
  dir?: Direction;
  onlyStream?: boolean;
  noStream?: boolean;
}

export interface FlowbitsOp {
  cmd: 'set' | 'unset' | 'toggle' | 'isset' | 'isnotset';
  /** Several names joined with | (isset: any of them; isnotset: none of them) or & (all). */
  names: string[];
  join: '|' | '&';
}

/** xbits: like flowbits, but kept per host (ip_src / ip_dst) or host pair, with an expiry. */
export interface XbitsOp {
  cmd: 'set' | 'unset' | 'toggle' | 'isset' | 'isnotset';
  name: string;
  track: 'ip_src' | 'ip_dst' | 'ip_pair';
  /** Lifetime of a set bit, ms (default: until unset, bounded by the state's size). */
  expireMs?: number;
}

/** flowint: a per-flow integer, changed (+, -, =) when the rule matches or compared as a condition. */
export interface FlowintOp {
  name: string;
  op: '+' | '-' | '=' | '==' | '!=' | '<' | '>' | '<=' | '>=' | 'isset' | 'notset';
  /** A number, or another flowint's name. */
  value?: number | string;
}

export interface ThresholdSpec {
  type: 'limit' | 'threshold' | 'both' | 'detection_filter';
  track: 'by_src' | 'by_dst' | 'by_rule' | 'by_both' | 'by_flow';
  count: number;
  seconds: number;
}

/** Address expression from a rule header, kept symbolic so HOME_NET can be bound per flow. */
export type AddrExpr =
  | { t: 'any' }
  | { t: 'cidr'; family: 4 | 6; net: bigint; bits: number; /** IPv4 network and mask as numbers */ n4?: number; m4?: number }
  | { t: 'range'; family: 4 | 6; lo: bigint; hi: bigint }
  | { t: 'var'; name: string }
  | { t: 'not'; e: AddrExpr }
  | { t: 'list'; items: AddrExpr[] };

export interface PortSet {
  any: boolean;
  /** Inclusive ranges that match, and ranges that are excluded. */
  include: Array<[number, number]>;
  exclude: Array<[number, number]>;
}

export type RuleProto = 'tcp' | 'http' | 'tcp-pkt' | 'tcp-stream' | 'http1' | 'ip';

export interface Rule {
  /** Index in the rule set (load order). */
  idx: number;
  action: string;
  proto: RuleProto;
  src: AddrExpr;
  srcPorts: PortSet;
  dst: AddrExpr;
  dstPorts: PortSet;
  bidirectional: boolean;
  /** `=>`: transactional rule matching both directions of one transaction (Suricata 8). */
  transactional: boolean;
  gid: number;
  sid: number;
  rev: number;
  msg: string;
  classtype?: string;
  priority?: number;
  references: string[];
  /** Keys (RE2 flags + '/' + source) of its pcre options. */
  pcreKeys: string[];
  /** Raw `metadata:` values; see ruleMetadata() for the parsed pairs. */
  metadataText: string[];
  flow: FlowCond;
  flowbits: FlowbitsOp[];
  xbits: XbitsOp[];
  flowint: FlowintOp[];
  noalert: boolean;
  threshold?: ThresholdSpec;
  detectionFilter?: ThresholdSpec;
  dsize?: NumCompare;
  urilen?: { cmp: NumCompare; raw: boolean };
  streamSize?: { side: 'server' | 'client' | 'both' | 'either'; cmp: NumCompare };
  /** Lists in keyword order; payload lists have buffer.name 'payload'. */
  lists: InspectList[];
  /** Chosen fast pattern: list index and content. */
  fast?: { list: number; content: ContentItem; pattern: Buffer; nocase: boolean };
  /** 'http': inspected per transaction; 'stream': on reassembled TCP data. */
  kind: 'http' | 'stream';
  /** Directions the rule is inspected in. */
  dirs: Direction[];
  /** File and line it came from. */
  file: string;
  line: number;
  /* The rule text is not kept (12 MB for ET Open): file and line locate it. */
  /** ET category from the msg prefix (`ET EXPLOIT` -> `EXPLOIT`), or '' when none. */
  category: string;
  /** Severity 1..4 (Suricata's priority, from the rule or its classtype; default 3). */
  severity: number;
  /** Sort key: flowbits setters first, then load order. */
  order: number;
}

/** Bytes a verified rule matched: which list and which bytes (latin1 text, capped). */
export interface MatchEvidence {
  buffer: string;
  matched: string;
}
