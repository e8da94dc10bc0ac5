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
}

/** A contiguous piece of one direction of a flow, in stream order. */
export interface StreamChunk {
  flow: FlowInfo;
  dir: StreamDirection;
  /** Offset of data[0] in this direction's stream. */
  offset: number;
  data: Buffer;
  /** Bytes were lost right before this chunk (drop, truncation, depth); parsers must resync. */
  gapBefore: boolean;
  timeMs: number;
}
