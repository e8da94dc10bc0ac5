// `proctap pcap-info FILE.pcap [--http] [--json]`: what the flow and HTTP stages make of a capture:
// link type, packets, TCP flows, HTTP transactions (with anomalies), counters. For debugging
// captures and the parser; nothing is matched against rules.
import * as fs from 'fs';
import type { Command } from 'commander';
import { UsageError } from '../usage-error';
import { replayPcap, PcapFormatError, type PipelineEvent } from '../../pipeline';

interface FlowLine {
  id: string;
  client: string;
  server: string;
  proto: 'http' | 'raw' | 'none';
  toServer: number;
  toClient: number;
  gaps: number;
  truncated: boolean;
  transactions: number;
  end: string;
}

export function register(program: Command): void {
  program
    .command('pcap-info')
    .description('summarise a pcap as flows and HTTP transactions (reassembly and parser debugging)')
    .argument('<pcap>', 'classic pcap file (Ethernet, Linux cooked SLL/SLL2, raw IP, null/loopback; IPv4/IPv6; VLAN; GRE, ERSPAN, VXLAN, Geneve and IP-in-IP tunnels)')
    .option('--http', 'list every HTTP transaction (method, URI, status, body sizes, anomalies)')
    .option('--json', 'one JSON object per line: flows, transactions, then the counters')
    .option('--no-midstream', "ignore TCP flows whose handshake is not in the capture (Suricata's default)")
    .action((pcap: string, o: { http?: boolean; json?: boolean; midstream: boolean }) => {
      if (!fs.existsSync(pcap)) throw new UsageError(`no such pcap file: ${pcap}`);
      const flows = new Map<string, FlowLine>();
      const txLines: string[] = [];
      const jsonTx: unknown[] = [];
      const flowOf = (ev: PipelineEvent): FlowLine => {
        const f = ev.kind === 'stream' ? ev.chunk.flow : ev.kind === 'flow-end' ? ev.flow : ev.tx.flow;
        let line = flows.get(f.id);
        if (!line) {
          line = { id: f.id, client: `${f.client.addr}:${f.client.port}`, server: `${f.server.addr}:${f.server.port}`, proto: 'none', toServer: 0, toClient: 0, gaps: 0, truncated: false, transactions: 0, end: '' };
          flows.set(f.id, line);
        }
        return line;
      };
      let result;
      try {
        result = replayPcap(pcap, (ev) => {
          const line = flowOf(ev);
          switch (ev.kind) {
            case 'stream':
              if (line.proto === 'none') line.proto = 'raw';
              break;
            case 'http-request':
              line.proto = 'http';
              break;
            case 'http-response': {
              line.proto = 'http';
              line.transactions++;
              const { request: q, response: r, anomalies } = ev.tx;
              const an = anomalies.map((a) => a.kind).join(',');
              if (o.json) {
                jsonTx.push({ type: 'http', flow: line.id, index: ev.tx.index, method: q?.method, uri: q?.uri, status: r?.status, request_body: q?.bodyLength, response_body: r?.bodyLength, decoded_body: r?.decodedBody.length, anomalies: anomalies.map((a) => ({ kind: a.kind, dir: a.dir, detail: a.detail })) });
              } else if (o.http) {
                txLines.push(`  ${line.client} > ${line.server} #${ev.tx.index} ${q ? `${q.method} ${q.uri}` : '(no request)'} -> ${r?.status ?? '-'} req ${q?.bodyLength ?? 0} B resp ${r?.bodyLength ?? 0} B${r && r.decodedBody !== r.body ? ` (decoded ${r.decodedBody.length} B)` : ''}${an ? ` [${an}]` : ''}`);
              }
              break;
            }
            case 'flow-end':
              line.toServer = ev.flow.bytesToServer ?? 0;
              line.toClient = ev.flow.bytesToClient ?? 0;
              line.gaps = ev.flow.gaps ?? 0;
              line.truncated = ev.flow.truncated === true;
              line.end = ev.reason;
              break;
          }
        }, { reassembly: { midstream: o.midstream } });
      } catch (e) {
        if (e instanceof PcapFormatError) throw new UsageError(e.message);
        throw e;
      }
      const counters = { ...result.defrag, ...result.reassembly, ...result.pipeline, pcap_records: result.read.records, pcap_truncated: result.read.truncated ? 1 : 0 };
      if (o.json) {
        for (const f of flows.values()) process.stdout.write(JSON.stringify({ type: 'flow', ...f }) + '\n');
        for (const t of jsonTx) process.stdout.write(JSON.stringify(t) + '\n');
        process.stdout.write(JSON.stringify({ type: 'counters', linktype: result.header.linktype, skipped: result.skipped, ...counters }) + '\n');
        return;
      }
      const out: string[] = [];
      out.push(`${pcap}: link type ${result.header.linktype}, ${result.read.records} records (${result.tcpPackets} TCP${Object.entries(result.skipped).map(([k, v]) => `, ${v} ${k}`).join('')})${result.read.truncated ? ', file cut short' : ''}`);
      const span = result.lastMs - result.firstMs;
      out.push(`time: ${new Date(result.firstMs).toISOString()} + ${(span / 1000).toFixed(3)} s`);
      out.push(`flows: ${flows.size} (${[...flows.values()].filter((f) => f.proto === 'http').length} HTTP), ${result.pipeline.http_requests} requests, ${result.pipeline.http_responses} responses`);
      for (const f of flows.values()) {
        out.push(`  ${f.client} > ${f.server} ${f.proto} ${f.toServer}/${f.toClient} B${f.transactions ? ` ${f.transactions} tx` : ''}${f.gaps ? ` ${f.gaps} gaps` : ''}${f.truncated ? ' truncated' : ''} (${f.end})`);
      }
      if (o.http) out.push('http:', ...txLines);
      const c = result.reassembly;
      out.push(`tcp: ${c.tcp_segments_in_order} in order, ${c.tcp_segments_out_of_order} out of order, ${c.tcp_retransmissions} retransmissions, ${c.tcp_overlaps} overlaps, ${c.tcp_gaps} gaps (${c.tcp_gap_bytes} B), ${c.tcp_flows_midstream} midstream`);
      const d = result.defrag;
      if (d.ip_fragments > 0) out.push(`ip: ${d.ip_fragments} fragments, ${d.ip_reassembled} datagrams reassembled, ${d.ip_frag_overlaps} overlapping bytes, ${d.ip_frag_timeouts + d.ip_frag_dropped} dropped`);
      process.stdout.write(out.join('\n') + '\n');
    });
}
