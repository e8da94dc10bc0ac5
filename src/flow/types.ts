// Public types of the flow stage: per-connection, per-direction ordered byte streams.
import type { ProcessInfo, SocketRole, TlsLink } from '../capture/types';

export interface Endpoint {
  addr: string;
  port: number;
}

/** to_server: bytes the client sent; to_client: bytes the server sent (Suricata's terms). */
export type StreamDirection = 'to_server' | 'to_client';

/** What a connection is, as far as any stage needs to know. Mutable fields are filled in as learned. */
export interface FlowInfo {
  /** Stable id for the life of the flow (e.g. `netns:cookie` live, 5-tuple + start for pcap). */
  id: string;
  source: 'live' | 'pcap';
  family: 4 | 6;
  /** The connection initiator and the listener. */
  client: Endpoint;
  server: Endpoint;
  /** Which end the host's socket is (live); 'unknown' for pcap. */
  localRole: SocketRole;
  netnsIno?: number;
  socketCookie?: bigint;
  /** The local process that owns the socket (live capture). */
  process?: ProcessInfo;
  /** True when the streams hold TLS plaintext from the TLS probes. */
  tls: boolean;
  tlsLink?: TlsLink;
  startMs: number;
  lastMs: number;
  /** A direction reached the inspection depth; later bytes were not inspected. */
  truncated?: boolean;
  /** Gaps (lost bytes) seen so far, both directions. */
  gaps?: number;
  /** Bytes delivered per direction so far (inspected stream length). */
  bytesToServer?: number;
  bytesToClient?: number;
}

/** Why a flow ended. */
export type FlowEndReason = 'closed' | 'reset' | 'timeout' | 'evicted' | 'end-of-input';

/**
 * What a flow producer (the pcap TCP reassembler, the live FlowTable) feeds: chunks in stream
 * order per direction, then exactly one end per flow. Chunk data may be a view into a buffer the
 * producer reuses: a consumer copies what it keeps beyond the call.
 */
export interface FlowSink {
  data(chunk: StreamChunk): void;
  end(flow: FlowInfo, reason: FlowEndReason): void;
}

/** A contiguous piece of one direction of a flow, in stream order. */
export interface StreamChunk {
  flow: FlowInfo;
  dir: StreamDirection;
  /** Offset of data[0] in this direction's stream. With gapBefore, offset - previous end = bytes lost (when known). */
  offset: number;
  data: Buffer;
  /** Bytes were lost right before this chunk (drop, truncation, depth); parsers must resync. */
  gapBefore: boolean;
  timeMs: number;
}
