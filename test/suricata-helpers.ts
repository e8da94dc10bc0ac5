// Builders of HttpTransaction / StreamChunk objects for ET engine unit tests.
import type { FlowInfo, StreamChunk } from '../src/flow/types';
import type { HttpHeader, HttpTransaction } from '../src/protocols/http/types';

export function flow(client = '192.168.1.10:40000', server = '93.184.216.34:80', id = 'f1'): FlowInfo {
  const [ca, cp] = client.split(/:(?=\d+$)/);
  const [sa, sp] = server.split(/:(?=\d+$)/);
  return {
    id,
    source: 'pcap',
    family: ca.includes(':') ? 6 : 4,
    client: { addr: ca, port: Number(cp) },
    server: { addr: sa, port: Number(sp) },
    localRole: 'unknown',
    tls: false,
    startMs: 1000,
    lastMs: 1000,
  };
}

function hdrs(h: Array<[string, string]>): HttpHeader[] {
  return h.map(([name, value]) => ({ name, value }));
}

export interface TxSpec {
  method?: string;
  uri?: string;
  version?: string;
  reqHeaders?: Array<[string, string]>;
  reqBody?: string | Buffer;
  status?: number;
  reason?: string;
  respHeaders?: Array<[string, string]>;
  respBody?: string | Buffer;
  flow?: FlowInfo;
  index?: number;
}

export function tx(s: TxSpec): HttpTransaction {
  const method = s.method ?? 'GET';
  const uri = s.uri ?? '/';
  const version = s.version ?? 'HTTP/1.1';
  const reqHeaders = hdrs(s.reqHeaders ?? [['Host', 'example.com']]);
  const reqBody = typeof s.reqBody === 'string' ? Buffer.from(s.reqBody, 'latin1') : s.reqBody ?? Buffer.alloc(0);
  const raw = (h: HttpHeader[]) => Buffer.from(h.map((x) => `${x.name}: ${x.value}\r\n`).join('') + '\r\n', 'latin1');
  const t: HttpTransaction = {
    flow: s.flow ?? flow(),
    index: s.index ?? 0,
    anomalies: [],
    request: {
      method,
      uri,
      version,
      line: Buffer.from(`${method} ${uri} ${version}`, 'latin1'),
      headers: reqHeaders,
      rawHeaders: raw(reqHeaders),
      body: reqBody,
      bodyLength: reqBody.length,
      bodyTruncated: false,
      trailers: [],
      startMs: 1000,
      endMs: 1000,
    },
  };
  if (s.status !== undefined) {
    const respHeaders = hdrs(s.respHeaders ?? [['Server', 'Apache']]);
    const body = typeof s.respBody === 'string' ? Buffer.from(s.respBody, 'latin1') : s.respBody ?? Buffer.alloc(0);
    t.response = {
      version: 'HTTP/1.1',
      status: s.status,
      reason: s.reason ?? 'OK',
      line: Buffer.from(`HTTP/1.1 ${s.status} ${s.reason ?? 'OK'}`, 'latin1'),
      headers: respHeaders,
      rawHeaders: raw(respHeaders),
      body,
      decodedBody: body,
      bodyLength: body.length,
      bodyTruncated: false,
      trailers: [],
      startMs: 1001,
      endMs: 1001,
    };
  }
  return t;
}

let chunkFlows = 0;

/** A chunk; without a flow, each call gets a flow of its own (stream tails are per flow). */
export function chunk(data: string | Buffer, dir: 'to_server' | 'to_client' = 'to_server', f: FlowInfo = flow(undefined, undefined, `c${++chunkFlows}`)): StreamChunk {
  return { flow: f, dir, offset: 0, data: typeof data === 'string' ? Buffer.from(data, 'latin1') : data, gapBefore: false, timeMs: 1000 };
}
