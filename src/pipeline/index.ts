// Public API of the flow and protocol stage (issue 3). Everything below data flows one way:
//
//   pcap file ──readPcapFile──> records ──decodeFrame(+IP defrag)──> TCP packets ──TcpReassembler──┐
//   CaptureEvents (live) ──────────────────────────────────────────────FlowTable──────┤
//                                                        StreamChunks (per flow, per direction, in order)
//                                                                                     v
//                                 StreamPipeline: HTTP/1.x detection, HttpSession per flow, raw streams
//                                                                                     v
//     PipelineEvent: {kind:'http-request', tx} | {kind:'http-response', tx} | {kind:'stream', chunk, http}
//                    | {kind:'flow-end', flow, reason}
//
// Offline (the `replay` command):
//   const result = replayPcap('x.pcap', (ev) => { ... });      // sync; result has counters
// Live (the sensor):
//   const live = new LivePipeline((ev) => { ... });  live.push(captureEvent);  live.tick(Date.now());
//   live.counters() -> plain numbers for Prometheus.
// Lower level: readPcap(file) (iterator of records) / readPcapFile / PcapParser (push bytes),
// decodeFrame (link layer -> TcpPacket), PcapPipeline (push frames yourself), TcpReassembler /
// FlowTable feeding any FlowSink, HttpSession (one connection's StreamChunks -> transactions),
// HttpMessageParser (one direction). PcapWriter/TcpConversation (src/pcap/writer.ts) build captures.
// Suricata's default ignores flows without a handshake: replayPcap(f, cb, { reassembly: { midstream: false } }).
//
// Guarantees: events of a flow come in stream order; 'http-request' for a transaction comes before
// its 'http-response'; 'flow-end' is the last event of a flow. Chunk data and bodies: chunk.data of a
// 'stream' event may be a view into a reused buffer (copy to keep); transaction buffers are owned.
// A FlowInfo is one object per flow, updated as it goes (lastMs, bytes, gaps, truncated, tls).
// Memory: per-direction depth (1 MiB default, flow.truncated), per-message body cap, one global
// budget with least-recently-active eviction (reason 'evicted'), idle timeouts (reason 'timeout').
export { replayPcap, PcapPipeline, type PcapPipelineOptions, type PcapReplayResult } from './pcap-replay';
export { LivePipeline, type LivePipelineOptions } from './live';
export {
  StreamPipeline,
  type PipelineEvent,
  type PipelineEventHandler,
  type PipelineOptions,
  type PipelineCounters,
  type FlowProducer,
} from './stream-pipeline';
export { readPcap, readPcapFile, parsePcapBuffer, PcapParser, PcapFormatError, type PcapHeader, type PcapRecord, type PcapReadStats } from '../pcap/reader';
export { decodeFrame, formatAddr, LINKTYPE, type TcpPacket, type DecodeResult, type DecodeContext } from '../pcap/decode';
export { IpDefragmenter, type DefragOptions, type DefragCounters } from '../pcap/defrag';
export { PcapWriter, TcpConversation, tcpIpPacket, linkFrame, fragmentIpv4, fragmentIpv6 } from '../pcap/writer';
export { TcpReassembler, type ReassemblerOptions, type ReassemblyCounters } from '../flow/tcp-reassembler';
export { FlowTable, type FlowTableOptions, type FlowTableCounters } from '../flow/flow-table';
export { MemoryBudget } from '../flow/memory-budget';
export { HttpSession, type HttpSessionEvent, type HttpSessionOptions } from '../protocols/http/session';
export { HttpMessageParser, DEFAULT_LIMITS, type HttpParserLimits, type HttpMessage } from '../protocols/http/parser';
export { decodeContent, contentCodings } from '../protocols/http/content-decoding';
export type { FlowInfo, StreamChunk, StreamDirection, FlowEndReason, FlowSink } from '../flow/types';
export type { HttpTransaction, HttpRequest, HttpResponse, HttpAnomaly, HttpAnomalyKind, HttpHeader } from '../protocols/http/types';
