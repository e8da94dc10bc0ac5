// Public types of the capture stage: what the kernel saw, decoded, per socket operation.

export type CaptureEventType =
  | 'send' // payload written to a TCP socket by a process
  | 'recv' // payload read from a TCP socket by a process
  | 'connect' // a client socket started connecting (CLOSE -> SYN_SENT), in the connecting process
  | 'established' // the full tuple of a connection is known (client or server side)
  | 'close' // the socket closed
  | 'tls_write' // plaintext handed to SSL_write/SSL_write_ex
  | 'tls_read'; // plaintext returned by SSL_read/SSL_read_ex

/** Which end of the connection the socket on this host is. */
export type SocketRole = 'client' | 'server' | 'unknown';

/** How a TLS plaintext event was tied to its socket. */
export type TlsLink = 'exact' | 'inferred' | 'none';

export interface CaptureFlags {
  truncated: boolean; // payload longer than the capture cap; `len` is the full length
  noPayload: boolean; // the operation carried no user buffer (sendfile/splice) or payload capture is off
  peek: boolean; // MSG_PEEK read: data will be read again
  readFault: boolean; // the user buffer could not be read
  tlsCiphertext: boolean; // socket I/O of a connection whose plaintext is captured by the TLS probes
}

export interface CaptureEvent {
  version: number;
  type: CaptureEventType;
  /** Kernel monotonic time of the event, nanoseconds. */
  tsNs: bigint;
  /** Wall-clock time in ms, derived from tsNs at decode time. */
  timeMs: number;
  pid: number;
  tid: number;
  uid: number;
  comm: string;
  cgroupId: bigint;
  netnsIno: number;
  /** Kernel socket cookie: unique per socket for the life of the host. */
  socketCookie: bigint;
  family: 4 | 6;
  localAddr: string;
  localPort: number;
  remoteAddr: string;
  remotePort: number;
  role: SocketRole;
  /** Bytes the operation moved (return value), even when not all were captured. */
  len: number;
  /** Bytes present in `payload`. */
  captured: number;
  flags: CaptureFlags;
  /** Captured payload; a view into the batch buffer (copy it if kept beyond the callback). */
  payload: Buffer;
  /** TLS events: how the plaintext was linked to `socketCookie`, and the library probed. */
  tlsLink?: TlsLink;
  tlsLibrary?: string;
  /** Process facts from /proc (Sensor option `processInfo`); absent when the process was gone. */
  process?: ProcessInfo;
  /** TLS events: the SSL* pointer in the process, identifies the TLS session. */
  tlsContext?: bigint;
  /** TLS events: which probed library file (the sensor maps it to `tlsLibrary`). */
  tlsLibraryId?: number;
}

/** Process facts from /proc, cached per pid. */
export interface ProcessInfo {
  pid: number;
  ppid?: number;
  uid?: number;
  comm: string;
  exe?: string;
  cmdline?: string[];
  cgroupId?: bigint;
  cgroupPath?: string;
  containerId?: string;
}
