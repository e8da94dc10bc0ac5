// Conditions on and changes to the detection state that rules carry: flowbits (per flow), xbits
// (per host or host pair, with expiry), flowint (per-flow integers), stream_size; and the flow's
// endpoints as the inspected direction sees them.
import type { FlowInfo } from '../../flow/types';
import { numCompare } from './num-compare';
import type { DetectState } from './state';
import type { Direction, Rule, XbitsOp } from './types';
import { parseIp, type IpValue } from './vars';

export interface Endpoints {
  src: IpValue;
  dst: IpValue;
  srcPort: number;
  dstPort: number;
  srcText: string;
  dstText: string;
}

const NO_IP: IpValue = { family: 4, v: -1n };

const ipCache = new Map<string, IpValue>();

function ipOf(addr: string): IpValue {
  let v = ipCache.get(addr);
  if (!v) {
    if (ipCache.size > 65536) ipCache.clear();
    v = parseIp(addr) ?? NO_IP;
    ipCache.set(addr, v);
  }
  return v;
}

export function endpoints(flow: FlowInfo, dir: Direction): Endpoints {
  const s = dir === 'to_server' ? flow.client : flow.server;
  const d = dir === 'to_server' ? flow.server : flow.client;
  return { src: ipOf(s.addr), dst: ipOf(d.addr), srcPort: s.port, dstPort: d.port, srcText: s.addr, dstText: d.addr };
}

export function xbitKey(x: XbitsOp, e: Endpoints): string {
  const host = x.track === 'ip_src' ? e.srcText : x.track === 'ip_dst' ? e.dstText : [e.srcText, e.dstText].sort().join('<>');
  return `${x.name}|${x.track}|${host}`;
}

export function streamSizeOk(r: Rule, flow: FlowInfo): boolean {
  const ss = r.streamSize!;
  // Suricata measures stream size in sequence space (next_seq - isn), which counts the SYN: data + 1.
  // "server" is what the server sent, "client" what the client sent.
  const c = (flow.bytesToServer ?? 0) + 1;
  const s = (flow.bytesToClient ?? 0) + 1;
  switch (ss.side) {
    case 'client':
      return numCompare(ss.cmp, c);
    case 'server':
      return numCompare(ss.cmp, s);
    case 'both':
      return numCompare(ss.cmp, c) && numCompare(ss.cmp, s);
    case 'either':
      return numCompare(ss.cmp, c) || numCompare(ss.cmp, s);
  }
}

export function flowbitsOk(state: DetectState, r: Rule, flowId: string): boolean {
  if (!r.flowbits.length) return true;
  const bits = state.flowbits(flowId);
  for (const f of r.flowbits) {
    if (f.cmd === 'isset') {
      const ok = f.join === '&' ? f.names.every((n) => bits?.has(n)) : f.names.some((n) => bits?.has(n));
      if (!ok) return false;
    } else if (f.cmd === 'isnotset') {
      const ok = f.join === '&' ? !f.names.every((n) => bits?.has(n)) : !f.names.some((n) => bits?.has(n));
      if (!ok) return false;
    }
  }
  return true;
}

export function flowintOk(state: DetectState, r: Rule, flowId: string): boolean {
  for (const f of r.flowint) {
    const cur = state.flowint(flowId, f.name);
    if (f.op === 'isset' || f.op === 'notset') {
      if ((f.op === 'isset') !== (cur !== undefined)) return false;
      continue;
    }
    if (f.op === '+' || f.op === '-' || f.op === '=') continue;
    const other = typeof f.value === 'string' ? state.flowint(flowId, f.value) : f.value;
    if (cur === undefined || other === undefined) return false;
    const ok = f.op === '==' ? cur === other : f.op === '!=' ? cur !== other : f.op === '<' ? cur < other : f.op === '>' ? cur > other : f.op === '<=' ? cur <= other : cur >= other;
    if (!ok) return false;
  }
  return true;
}

export function xbitsOk(state: DetectState, r: Rule, e: Endpoints, now: number): boolean {
  for (const x of r.xbits) {
    if (x.cmd !== 'isset' && x.cmd !== 'isnotset') continue;
    const set = state.xbitIsSet(xbitKey(x, e), now);
    if ((x.cmd === 'isset') !== set) return false;
  }
  return true;
}

/** What a matching rule does to the state (flowint arithmetic, xbits, flowbits), alert or not. */
export function applyStateActions(state: DetectState, r: Rule, flowId: string, e: Endpoints, now: number): void {
  for (const f of r.flowint) {
    if (f.op !== '+' && f.op !== '-' && f.op !== '=') continue;
    const v = typeof f.value === 'string' ? state.flowint(flowId, f.value) : f.value;
    if (v === undefined) continue;
    const cur = state.flowint(flowId, f.name) ?? 0;
    state.setFlowint(flowId, f.name, f.op === '+' ? cur + v : f.op === '-' ? cur - v : v);
  }
  for (const x of r.xbits) {
    const key = xbitKey(x, e);
    if (x.cmd === 'set') state.setXbit(key, true, now, x.expireMs);
    else if (x.cmd === 'unset') state.setXbit(key, false, now);
    else if (x.cmd === 'toggle') state.setXbit(key, !state.xbitIsSet(key, now), now, x.expireMs);
  }
  for (const f of r.flowbits) {
    if (f.cmd === 'set') for (const n of f.names) state.setBit(flowId, n, true);
    else if (f.cmd === 'unset') for (const n of f.names) state.setBit(flowId, n, false);
    else if (f.cmd === 'toggle') for (const n of f.names) state.setBit(flowId, n, !state.flowbits(flowId)?.has(n));
  }
}
