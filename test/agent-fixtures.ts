// Synthetic inputs for the agent's own tests: HTTP transactions and stream chunks as the flow/HTTP
// stage will hand them over, and a fake Detector that returns scripted RuleMatch lists. The real CRS
// and ET engines are tested by their own suites; they plug into the agent through the same
// Detector interface in the wiring phase.
import type { FlowInfo, StreamChunk } from '../src/flow/types';
import type { HttpHeader, HttpTransaction } from '../src/protocols/http/types';
import type { RuleMatch, RuleSource } from '../src/detect/types';
import type { DetectionContext, Detector, DetectorSettings, RuleLoadReport } from '../src/detect/detector';

export function flow(opts: Partial<FlowInfo> & { comm?: string; pid?: number; exe?: string } = {}): FlowInfo {
  const role = opts.localRole ?? 'server';
  return {
    id: opts.id ?? 'ns1:42',
    source: 'live',
    family: 4,
    client: opts.client ?? { addr: '10.1.2.3', port: 51000 },
    server: opts.server ?? { addr: '10.1.2.1', port: 8080 },
    localRole: role,
    netnsIno: 4026531840,
    socketCookie: 42n,
    process: opts.process ?? { pid: opts.pid ?? 1234, ppid: 1, uid: 33, comm: opts.comm ?? 'webapp', exe: opts.exe ?? '/usr/bin/webapp', cmdline: ['webapp', '--port', '8080'] },
    tls: opts.tls ?? false,
    tlsLink: opts.tlsLink,
    startMs: Date.now(),
    lastMs: Date.now(),
  };
}

export function tx(opts: {
  flow?: FlowInfo;
  method?: string;
  uri?: string;
  headers?: [string, string][];
  body?: string;
  status?: number;
  responseHeaders?: [string, string][];
  responseBody?: string;
} = {}): HttpTransaction {
  const h = (l: [string, string][]): HttpHeader[] => l.map(([name, value]) => ({ name, value }));
  const body = Buffer.from(opts.body ?? '', 'latin1');
  const t: HttpTransaction = {
    flow: opts.flow ?? flow(),
    index: 0,
    anomalies: [],
    request: {
      method: opts.method ?? 'GET',
      uri: opts.uri ?? '/',
      version: 'HTTP/1.1',
      line: Buffer.from(`${opts.method ?? 'GET'} ${opts.uri ?? '/'} HTTP/1.1`),
      headers: h(opts.headers ?? [['Host', 'app.test']]),
      rawHeaders: Buffer.alloc(0),
      body,
      bodyLength: body.length,
      bodyTruncated: false,
      trailers: [],
      startMs: Date.now(),
      endMs: Date.now(),
    },
  };
  if (opts.status !== undefined) {
    const rb = Buffer.from(opts.responseBody ?? '', 'latin1');
    t.response = {
      version: 'HTTP/1.1',
      status: opts.status,
      reason: 'OK',
      line: Buffer.from(`HTTP/1.1 ${opts.status} OK`),
      headers: h(opts.responseHeaders ?? []),
      rawHeaders: Buffer.alloc(0),
      body: rb,
      decodedBody: rb,
      bodyLength: rb.length,
      bodyTruncated: false,
      trailers: [],
      startMs: Date.now(),
      endMs: Date.now(),
    };
  }
  return t;
}

export function chunk(data: string, f: FlowInfo = flow({ localRole: 'client' })): StreamChunk {
  return { flow: f, dir: 'to_server', offset: 0, data: Buffer.from(data, 'latin1'), gapBefore: false, timeMs: Date.now() };
}

export function crs(id: number, points: number, target = 'ARGS:id', matched = "1' OR 1=1", severity = 1): RuleMatch {
  return { source: 'crs', id, msg: `CRS rule ${id}`, severity, tags: ['attack-sqli'], target, matched, points };
}

export function et(id: number, severity: number, msg = `ET WEB_SERVER test rule ${id}`, target = 'http.uri', matched = '/etc/passwd'): RuleMatch {
  return { source: 'et', id, rev: 3, msg, severity, tags: [], classtype: 'web-application-attack', target, matched, points: 0 };
}

/**
 * A Detector whose answers are scripted: `onRequest(tx)` decides the request matches (e.g. by URI),
 * and it honours setDisabledRules like a real engine must.
 */
export class FakeDetector implements Detector {
  disabled: ReadonlySet<number> = new Set();
  settings?: DetectorSettings;
  calls = { request: 0, response: 0, stream: 0 };
  contexts: DetectionContext[] = [];

  constructor(
    readonly source: RuleSource,
    private readonly script: {
      request?: (t: HttpTransaction) => RuleMatch[];
      response?: (t: HttpTransaction) => RuleMatch[];
      stream?: (c: StreamChunk) => RuleMatch[];
    },
    readonly name = source === 'crs' ? 'crs' : 'suricata',
  ) {}

  private live(ms: RuleMatch[]): RuleMatch[] {
    return ms.filter((m) => !this.disabled.has(m.id));
  }

  evaluateRequest(t: HttpTransaction, ctx: DetectionContext): RuleMatch[] {
    this.calls.request++;
    this.contexts.push(ctx);
    return this.live(this.script.request?.(t) ?? []);
  }

  evaluateResponse(t: HttpTransaction, ctx: DetectionContext): RuleMatch[] {
    this.calls.response++;
    this.contexts.push(ctx);
    return this.live(this.script.response?.(t) ?? []);
  }

  evaluateStream(c: StreamChunk, ctx: DetectionContext): RuleMatch[] {
    this.calls.stream++;
    this.contexts.push(ctx);
    return this.live(this.script.stream?.(c) ?? []);
  }

  setDisabledRules(ids: ReadonlySet<number>): void {
    this.disabled = new Set(ids);
  }

  configure(s: DetectorSettings): void {
    this.settings = s;
  }

  report(): RuleLoadReport {
    return {
      source: this.source,
      engine: this.name,
      paths: ['/fake/rules'],
      loaded: 10,
      disabledInFiles: 1,
      failed: 2,
      failedByReason: { 'unsupported keyword foo': 2 },
      failures: [{ file: '/fake/rules/a.rules', line: 7, ruleId: 2000001, reason: 'unsupported keyword foo' }],
      loadTimeMs: 12.5,
    };
  }
}

import type { CaptureSource, ProbeStatus, TrafficSink } from '../src/agent/types';
import type { ProctapConfig } from '../src/config/types';
import type { CounterSnapshot } from '../src/metrics/agent-metrics';

/** A capture source the test drives by hand: it hands the agent's sink out and reports counters. */
export class SyntheticCapture implements CaptureSource {
  readonly path = 'synthetic';
  sink?: TrafficSink;
  applied: ProctapConfig[] = [];
  stopped = false;
  snapshot: CounterSnapshot & { other?: Record<string, number> } = {
    events: { send: 0, recv: 0 },
    bytes: { send: 0, recv: 0 },
    drops: { kernel_ring: 0, addon_queue: 0 },
    bpfPrograms: [{ name: 'sock_send_length', runCount: 0, runTimeNs: 0 }],
    uprobesAttached: 0,
  };

  async start(sink: TrafficSink): Promise<void> {
    this.sink = sink;
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }

  applyConfig(c: ProctapConfig): void {
    this.applied.push(c);
  }

  probes(): ProbeStatus[] {
    return [
      { name: 'sock_send_length', kind: 'tp_btf', target: 'sock/sock_send_length', attached: true },
      { name: 'uprobe_ssl_write', kind: 'uprobe', target: '/usr/lib/x86_64-linux-gnu/libssl.so.3:SSL_write', attached: false, error: 'not a target' },
    ];
  }

  counters(): CounterSnapshot & { other?: Record<string, number> } {
    return this.snapshot;
  }
}

/** The two fake engines used by agent tests: SQLi in the URI (CRS, 5 points), "EvilBot" UA (ET, severity 1). */
export function fakeEngines(): { crsDet: FakeDetector; etDet: FakeDetector } {
  const crsDet = new FakeDetector('crs', {
    request: (t) => (/OR%201=1|OR 1=1/.test(t.request?.uri ?? '') ? [crs(942100, 5, 'ARGS:q', "1' OR 1=1")] : []),
    response: (t) => (/SQL syntax/.test(t.response?.body.toString() ?? '') ? [crs(951220, 4, 'RESPONSE_BODY', 'SQL syntax', 2)] : []),
  });
  const etDet = new FakeDetector('et', {
    request: (t) => (t.request?.headers.some((h) => h.value.includes('EvilBot')) ? [et(2024897, 1, 'ET USER_AGENTS EvilBot', 'http.user_agent', 'EvilBot')] : []),
    stream: (c) => (c.data.includes('BEACON') ? [et(2019401, 1, 'ET MALWARE beacon', 'stream', 'BEACON')] : []),
  });
  return { crsDet, etDet };
}
