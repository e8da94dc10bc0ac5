// EVE JSON alert records (Suricata's schema: one JSON object per line, event_type "alert") for the
// matches of the ET engine; used by `proctap replay` and available to other outputs.
import type { FlowInfo } from '../../flow/types';
import type { HttpTransaction } from '../../protocols/http/types';
import { eveTimestamp, type EveAlertBase } from '../../outputs/eve';
import type { EtMatch } from './engine';
import { parseIp } from './vars';
import { ruleMetadata } from './parser';

export interface EveAlertRecord extends EveAlertBase {
  tx_id?: number;
  http?: {
    hostname?: string;
    url?: string;
    http_user_agent?: string;
    http_content_type?: string;
    http_method?: string;
    protocol?: string;
    status?: number;
    length?: number;
  };
  flow: { src_ip: string; dest_ip: string; src_port: number; dest_port: number };
}

/**
 * A positive 52-bit integer from the flow id, stable for the life of the flow. Same function as the
 * incident EVE writer (src/outputs/eve.ts), so alerts and incidents of one flow share flow_id.
 */
export function flowIdNumber(id: string): number {
  let h = 0x811c9dc5;
  let h2 = 0;
  for (let i = 0; i < id.length; i++) {
    h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
    h2 = (h2 * 31 + id.charCodeAt(i)) % 0x100000;
  }
  return h2 * 0x100000000 + h;
}

/** EVE prints IPv6 addresses in full (8 groups of 4 hex digits), as Suricata does. */
export function eveAddr(a: string): string {
  if (!a.includes(':')) return a;
  const ip = parseIp(a);
  if (!ip || ip.family !== 6) return a;
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((ip.v >> BigInt(i * 16)) & 0xffffn).toString(16).padStart(4, '0'));
  return groups.join(':');
}

function header(tx: HttpTransaction | undefined, name: string): string | undefined {
  return tx?.request?.headers.find((h) => h.name.toLowerCase() === name)?.value;
}

export function alertToEve(m: EtMatch, flow: FlowInfo, timeMs: number, tx?: HttpTransaction, appProto?: string): EveAlertRecord {
  const toServer = m.dir === 'to_server';
  const src = toServer ? flow.client : flow.server;
  const dst = toServer ? flow.server : flow.client;
  const rec: EveAlertRecord = {
    timestamp: eveTimestamp(timeMs),
    flow_id: flowIdNumber(flow.id),
    event_type: 'alert',
    src_ip: eveAddr(src.addr),
    src_port: src.port,
    dest_ip: eveAddr(dst.addr),
    dest_port: dst.port,
    proto: 'TCP',
    direction: m.dir,
    alert: {
      action: 'allowed',
      gid: m.gid,
      signature_id: m.id,
      rev: m.rev ?? 0,
      signature: m.msg,
      category: m.classDescription,
      severity: m.severity,
    },
    flow: { src_ip: eveAddr(flow.client.addr), dest_ip: eveAddr(flow.server.addr), src_port: flow.client.port, dest_port: flow.server.port },
  };
  if (appProto) rec.app_proto = appProto;
  // The rule's metadata, plus what matched (alert.metadata keeps the record valid for Suricata's schema).
  rec.alert.metadata = { ...ruleMetadata(m.rule), proctap_buffer: [m.target], proctap_matched: [m.matched] };
  if (tx) {
    rec.tx_id = tx.index;
    const hostRaw = header(tx, 'host');
    rec.http = {
      hostname: hostRaw?.replace(/:\d+$/, '').toLowerCase(),
      url: tx.request?.uri,
      http_user_agent: header(tx, 'user-agent'),
      http_content_type: tx.response?.headers.find((h) => h.name.toLowerCase() === 'content-type')?.value,
      http_method: tx.request?.method,
      protocol: tx.request?.version || undefined,
      status: tx.response?.status,
      length: tx.response?.bodyLength,
    };
  }
  return rec;
}
