// pcap files through the whole flow/protocol stage: records -> TCP packets -> reassembled flows ->
// HTTP transactions and raw streams, as PipelineEvents.
import { readPcapFile, type PcapHeader, type PcapReadStats, type PcapRecord } from '../pcap/reader';
import { decodeFrame, isSupportedLinktype, type DecodeSkip } from '../pcap/decode';
import { TcpReassembler, type ReassemblerOptions, type ReassemblyCounters } from '../flow/tcp-reassembler';
import { StreamPipeline, type PipelineCounters, type PipelineEventHandler, type PipelineOptions } from './stream-pipeline';

export interface PcapPipelineOptions extends PipelineOptions {
  reassembly?: Omit<ReassemblerOptions, 'budget'>;
  /** How often (in capture time) idle flows are expired. */
  expireEveryMs?: number;
}


export interface PcapReplayResult {
  header: PcapHeader;
  read: PcapReadStats;
  packets: number;
  tcpPackets: number;
  skipped: Partial<Record<DecodeSkip, number>>;
  reassembly: ReassemblyCounters;
  pipeline: PipelineCounters;
  firstMs: number;
  lastMs: number;
}

/** Push-style: feed pcap records (or decoded frames) yourself; call finish() at the end. */
export class PcapPipeline {
  readonly pipeline: StreamPipeline;
  readonly reassembler: TcpReassembler;
  packets = 0;
  tcpPackets = 0;
  readonly skipped: Partial<Record<DecodeSkip, number>> = {};
  firstMs = 0;
  lastMs = 0;
  private nextExpire = 0;
  private readonly expireEvery: number;

  constructor(onEvent: PipelineEventHandler, opts: PcapPipelineOptions = {}) {
    this.pipeline = new StreamPipeline(onEvent, opts);
    this.reassembler = new TcpReassembler(this.pipeline, { ...opts.reassembly, budget: this.pipeline.budget });
    this.pipeline.attach(this.reassembler);
    this.expireEvery = opts.expireEveryMs ?? 1000;
  }

  /** One captured frame of link type `linktype`. */
  frame(linktype: number, data: Buffer, timeMs: number): void {
    this.packets++;
    if (this.packets === 1) {
      this.firstMs = timeMs;
      this.nextExpire = timeMs + this.expireEvery;
    }
    if (timeMs > this.lastMs) this.lastMs = timeMs;
    const r = decodeFrame(linktype, data);
    if (!r.ok) {
      this.skipped[r.skip] = (this.skipped[r.skip] ?? 0) + 1;
      return;
    }
    this.tcpPackets++;
    this.reassembler.packet(r.pkt, timeMs);
    if (timeMs >= this.nextExpire) {
      this.nextExpire = timeMs + this.expireEvery;
      this.reassembler.expire(timeMs);
    }
  }

  record(rec: PcapRecord, header: PcapHeader): void {
    this.frame(header.linktype, rec.data, rec.timeMs);
  }

  /** End of input: every flow is flushed and ended. */
  finish(): void {
    this.reassembler.flush('end-of-input');
    this.pipeline.flush('end-of-input');
  }

  counters(): Record<string, number> {
    const skipped: Record<string, number> = {};
    for (const [k, v] of Object.entries(this.skipped)) skipped[`pcap_skipped_${k.replace(/-/g, '_')}`] = v ?? 0;
    return { pcap_packets: this.packets, pcap_tcp_packets: this.tcpPackets, ...skipped, ...this.reassembler.counters(), ...this.pipeline.counters() };
  }
}

/**
 * Replays a pcap file through reassembly and the protocol stage, calling onEvent for every event
 * in capture order. Throws PcapFormatError for a file that is not a classic pcap (or is corrupt);
 * an unsupported link type is an Error naming it.
 */
export function replayPcap(file: string, onEvent: PipelineEventHandler, opts: PcapPipelineOptions = {}): PcapReplayResult {
  const pp = new PcapPipeline(onEvent, opts);
  let checked = false;
  const { header, stats } = readPcapFile(file, (rec, h) => {
    if (!checked) {
      checked = true;
      if (!isSupportedLinktype(h.linktype)) throw new Error(`${file}: unsupported link type ${h.linktype}`);
    }
    pp.record(rec, h);
  });
  pp.finish();
  return {
    header,
    read: stats,
    packets: pp.packets,
    tcpPackets: pp.tcpPackets,
    skipped: { ...pp.skipped },
    reassembly: pp.reassembler.counters(),
    pipeline: pp.pipeline.counters(),
    firstMs: pp.firstMs,
    lastMs: pp.lastMs,
  };
}
