// The HTTP endpoint Prometheus scrapes: GET /metrics (anything else is 404).
import * as http from 'http';
import type { AddressInfo } from 'net';
import type { AgentMetrics } from './agent-metrics';

export interface ListenAddress {
  host: string;
  port: number;
}

/** Splits "HOST:PORT" / "[V6]:PORT". */
export function parseListen(addr: string): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(addr);
  if (!m) throw new Error(`expected HOST:PORT, got '${addr}'`);
  return { host: m[1] ?? m[2], port: Number(m[3]) };
}

export function formatListen(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export class MetricsServer {
  private server?: http.Server;

  constructor(private readonly metrics: AgentMetrics) {}

  /** Listens; resolves to the bound address (port 0 picks a free one). */
  async listen(addr: string): Promise<string> {
    const { host, port } = parseListen(addr);
    const server = http.createServer((req, res) => {
      const url = (req.url ?? '').split('?')[0];
      if (req.method !== 'GET' || url !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try GET /metrics\n');
        return;
      }
      this.metrics.text().then(
        (body) => res.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(body),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${String(err)}\n`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const a = server.address() as AddressInfo;
    return formatListen(a.address, a.port);
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
