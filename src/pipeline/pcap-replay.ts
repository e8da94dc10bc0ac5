// pcap files through the whole flow/protocol stage: records -> TCP packets -> reassembled flows ->
// HTTP transactions and raw streams, as PipelineEvents.
import { readPcapFile, type PcapHeader, type PcapReadStats, type PcapRecord } from '../pcap/reader';
import { decodeFrame, isSupportedLinktype, type DecodeContext, type DecodeSkip } from '../pcap/decode';
import { IpDefragmenter, type DefragOptions, type DefragCounters } from '../pcap/defrag';
import { TcpReassembler, type ReassemblerOptions, type ReassemblyCounters } from '../flow/tcp-reassembler';
import { StreamPipeline, type PipelineCounters, type PipelineEventHandler, type PipelineOptions } from './stream-pipeline';

export interface PcapPipelineOptions extends PipelineOptions {
  reassembly?: Omit<ReassemblerOptions, 'budget'>;
  /** How often (in capture time) idle flows are expired. */
  expireEveryMs?: number;
  /** IP fragment reassembly (on by default); false counts fragments as skipped. */
  defrag?: DefragOptions | false;
}


export interface PcapReplayResult {
  header: PcapHeader;
  read: PcapReadStats;
  packets: number;
  tcpPackets: number;
  skipped: Partial<Record<DecodeSkip, number>>;
  reassembly: ReassemblyCounters;
  pipeline: PipelineCounters;
  defrag: DefragCounters;
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
  readonly defrag: IpDefragmenter | undefined;
  private readonly ctx: DecodeContext;

  constructor(onEvent: PipelineEventHandler, opts: PcapPipelineOptions = {}) {
    this.pipeline = new StreamPipeline(onEvent, opts);
    this.reassembler = new TcpReassembler(this.pipeline, { ...opts.reassembly, budget: this.pipeline.budget });
    this.pipeline.attach(this.reassembler);
    this.expireEvery = opts.expireEveryMs ?? 1000;
    this.defrag = opts.defrag === false ? undefined : new IpDefragmenter(opts.defrag ?? {});
    this.ctx = { defrag: this.defrag, timeMs: 0 };
  }

  /** One captured frame of link type `linktype`. */
  frame(linktype: number, data: Buffer, timeMs: number): void {
    this.packets++;
    if (this.packets === 1) {
      this.firstMs = timeMs;
      this.nextExpire = timeMs + this.expireEvery;
    }
    if (timeMs > this.lastMs) this.lastMs = timeMs;
    this.ctx.timeMs = timeMs;
    const r = decodeFrame(linktype, data, this.ctx);
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
    return { pcap_packets: this.packets, pcap_tcp_packets: this.tcpPackets, ...skipped, ...(this.defrag?.c ?? {}), ...this.reassembler.counters(), ...this.pipeline.counters() };
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
    defrag: { ...(pp.defrag?.c ?? { ip_fragments: 0, ip_reassembled: 0, ip_frag_overlaps: 0, ip_frag_timeouts: 0, ip_frag_dropped: 0 }) },
    firstMs: pp.firstMs,
    lastMs: pp.lastMs,
  };
}
