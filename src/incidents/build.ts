// Builds the Incident record from the traffic that scored: process and connection facts from the
// flow, the request/response (redacted, bodies capped), the stream bytes for raw TCP, the rules.
import type { FlowInfo, StreamChunk } from '../flow/types';
import type { HttpHeader, HttpTransaction } from '../protocols/http/types';
import type { TrafficDirection, TrafficProtocol } from '../detect/detector';
import type { ProctapConfig } from '../config/types';
import { Redactor } from './redaction';
import { incidentId, incidentKeys } from './repeats';
import type { Incident, IncidentConnection, IncidentHttpRequest, IncidentHttpResponse, IncidentProcess, MatchedRule, Severity } from './types';
import type { ScoreResult } from './scoring';

/** inbound when this host's socket is the server; outbound when it is the client. */
export function directionOf(flow: FlowInfo): TrafficDirection {
  // pcap flows have no local side: read them as a network sensor would, from the server's view.
  return flow.localRole === 'client' ? 'outbound' : 'inbound';
}

export function protocolOfTransaction(flow: FlowInfo): TrafficProtocol {
  return flow.tls ? 'https' : 'http';
}

export function processOf(flow: FlowInfo): IncidentProcess {
  const p = flow.process;
  if (!p) return { pid: 0, comm: '', cmdline: [] };
  return {
    pid: p.pid,
    ppid: p.ppid,
    uid: p.uid,
    comm: p.comm,
    exe: p.exe,
    cmdline: p.cmdline ? [...p.cmdline] : [],
    containerId: p.containerId,
    cgroupPath: p.cgroupPath,
  };
}

export function connectionOf(flow: FlowInfo, direction: TrafficDirection, protocol: TrafficProtocol): IncidentConnection {
  const localIsServer = flow.localRole !== 'client';
  const local = localIsServer ? flow.server : flow.client;
  const remote = localIsServer ? flow.client : flow.server;
  return {
    localAddr: local.addr,
    localPort: local.port,
    remoteAddr: remote.addr,
    remotePort: remote.port,
    netns: flow.netnsIno,
    role: flow.localRole,
    direction,
    protocol,
    tls: flow.tls,
    tlsLink: flow.tls ? (flow.tlsLink ?? 'none') : 'none',
    flowId: flow.id,
    ipVersion: flow.family,
  };
}

function header(headers: readonly HttpHeader[], name: string): string | undefined {
  const n = name.toLowerCase();
  return headers.find((h) => h.name.toLowerCase() === n)?.value;
}

/**
 * A copy that owns exactly its bytes. Small Buffer.from() copies are slices of Node's shared 8 KiB
 * pool, and an incident held for hours would keep a whole slab alive for a few hundred bytes.
 */
export function ownedCopy(src: Buffer, n = src.length): Buffer {
  const len = Math.min(n, src.length);
  const b = Buffer.allocUnsafeSlow(len);
  src.copy(b, 0, 0, len);
  return b;
}

function capBody(body: Buffer, fullLength: number, truncatedBefore: boolean, cap: number): { body: Buffer; truncated: boolean } {
  const kept = ownedCopy(body, cap);
  return { body: kept, truncated: truncatedBefore || kept.length < fullLength };
}

export function requestOf(tx: HttpTransaction, redactor: Redactor, cap: number): IncidentHttpRequest | undefined {
  const r = tx.request;
  if (!r) return undefined;
  const headers = redactor.headerList(r.headers);
  // Redact the whole body we have, then cap, so a secret cut by the cap cannot leak its first half.
  const redacted = redactor.body(r.body, header(r.headers, 'content-type'));
  const b = capBody(redacted, r.bodyLength, r.bodyTruncated, cap);
  return { method: r.method, uri: redactor.uri(r.uri), version: r.version, headers, body: b.body, bodyLength: r.bodyLength, bodyTruncated: b.truncated };
}

export function responseOf(tx: HttpTransaction, redactor: Redactor, cap: number): IncidentHttpResponse | undefined {
  const r = tx.response;
  if (!r) return undefined;
  const headers = redactor.headerList(r.headers);
  const decoded = r.decodedBody.length > 0 || r.body.length === 0 ? r.decodedBody : r.body;
  const redacted = redactor.body(decoded, header(r.headers, 'content-type'));
  const b = capBody(redacted, Math.max(r.bodyLength, decoded.length), r.bodyTruncated, cap);
  return { version: r.version, status: r.status, reason: r.reason, headers, body: b.body, bodyLength: r.bodyLength, bodyTruncated: b.truncated };
}

function severityOf(rules: readonly MatchedRule[]): Severity {
  let s: Severity = 4;
  for (const r of rules) if (r.severity < s) s = r.severity;
  return s;
}

function summaryOf(rules: readonly MatchedRule[]): string {
  let best: MatchedRule | undefined;
  for (const r of rules) if (!best || r.severity < best.severity || (r.severity === best.severity && r.points > best.points)) best = r;
  if (!best) return '';
  return rules.length > 1 ? `${best.msg} (+${rules.length - 1} more)` : best.msg;
}

export interface BuildContext {
  config: ProctapConfig;
  configGeneration: number;
  host: string;
  nowMs: number;
  seq: number;
}

function finish(
  base: Omit<Incident, 'id' | 'repeatKey' | 'maskKey' | 'severity' | 'summary' | 'rules' | 'score' | 'threshold'>,
  scored: ScoreResult,
  redactor: Redactor,
  seq: number,
): Incident {
  const rules = scored.rules.map((r) => ({ ...r, matched: redactor.matched(r.target, r.matched) }));
  // A client's command line often carries the same credentials it sends (curl -H 'Authorization: ...').
  const process = { ...base.process, cmdline: base.process.cmdline.map((a) => redactor.argument(a)) };
  const partial = { ...base, process, rules, score: scored.score, threshold: scored.threshold, severity: severityOf(rules), summary: summaryOf(rules) };
  const keys = incidentKeys(partial);
  return { ...partial, ...keys, id: incidentId(keys.repeatKey, base.timeMs, seq) };
}

export function incidentFromTransaction(tx: HttpTransaction, scored: ScoreResult, direction: TrafficDirection, protocol: TrafficProtocol, ctx: BuildContext): Incident {
  const redactor = new Redactor(ctx.config.redaction);
  const cap = ctx.config.limits.incident_body_bytes;
  // Redact request and response first so their secret values are known when rules' matched text is cleaned.
  const request = requestOf(tx, redactor, cap);
  const response = responseOf(tx, redactor, cap);
  return finish(
    {
      timeMs: ctx.nowMs,
      lastSeenMs: ctx.nowMs,
      host: ctx.host,
      process: processOf(tx.flow),
      connection: connectionOf(tx.flow, direction, protocol),
      request,
      response,
      count: 1,
      masked: false,
      configGeneration: ctx.configGeneration,
    },
    scored,
    redactor,
    ctx.seq,
  );
}

export function incidentFromStream(chunk: StreamChunk, scored: ScoreResult, direction: TrafficDirection, ctx: BuildContext): Incident {
  const redactor = new Redactor(ctx.config.redaction);
  const cap = ctx.config.limits.incident_body_bytes;
  const data = ownedCopy(chunk.data, cap);
  return finish(
    {
      timeMs: ctx.nowMs,
      lastSeenMs: ctx.nowMs,
      host: ctx.host,
      process: processOf(chunk.flow),
      connection: connectionOf(chunk.flow, direction, 'tcp'),
      stream: { direction: chunk.dir, offset: chunk.offset, data, truncated: data.length < chunk.data.length },
      count: 1,
      masked: false,
      configGeneration: ctx.configGeneration,
    },
    scored,
    redactor,
    ctx.seq,
  );
}

/** Replaces the response and adds rules of an incident raised at request time. */
export function withResponse(inc: Incident, tx: HttpTransaction, scored: ScoreResult, config: ProctapConfig): Incident {
  const redactor = new Redactor(config.redaction);
  const cap = config.limits.incident_body_bytes;
  requestOf(tx, redactor, cap); // learn the request's secrets too
  const response = responseOf(tx, redactor, cap);
  const rules = scored.rules.map((r) => ({ ...r, matched: redactor.matched(r.target, r.matched) }));
  return { ...inc, response, rules, score: scored.score, severity: severityOf(rules), summary: summaryOf(rules) };
}
