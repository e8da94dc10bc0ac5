// The proctap.v1.AgentService server: translates between wire messages and the Agent.
import * as grpc from '@grpc/grpc-js';
import type { Agent } from './agent';
import { AgentError } from './agent';
import { agentServiceClient } from './proto';
import { fromWireFilter, fromWireSource, timestamp, toWireIncident, toWireKind, toWireRuleReport, toWireRuleState } from './convert';
import type {
  WireGetConfigRequest,
  WireGetConfigResponse,
  WireGetStatusRequest,
  WireGetStatusResponse,
  WireIncidentEvent,
  WireListIncidentsRequest,
  WireListIncidentsResponse,
  WireMaskIncidentRequest,
  WireMaskIncidentResponse,
  WireSetConfigRequest,
  WireSetConfigResponse,
  WireSetRuleStateRequest,
  WireSetRuleStateResponse,
  WireSubscribeIncidentsRequest,
} from './wire';

/**
 * Events queued on one subscriber's stream before further events to it are dropped and counted
 * (drops_total{stage="grpc_subscriber"}); a slow console can catch up with ListIncidents. Bounds the
 * memory a stalled client can pin (an event carries up to two capped bodies).
 */
const SUBSCRIBER_QUEUE_LIMIT = 1000;

type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, cb: grpc.sendUnaryData<Res>) => void;

function fail(cb: grpc.sendUnaryData<never>, err: unknown): void {
  if (err instanceof AgentError) {
    const code = err.code === 'not_found' ? grpc.status.NOT_FOUND : err.code === 'conflict' ? grpc.status.FAILED_PRECONDITION : grpc.status.INVALID_ARGUMENT;
    cb({ code, details: err.message });
    return;
  }
  cb({ code: grpc.status.INTERNAL, details: err instanceof Error ? err.message : String(err) });
}

export class AgentGrpcServer {
  private server?: grpc.Server;
  private readonly streams = new Set<grpc.ServerWritableStream<WireSubscribeIncidentsRequest, WireIncidentEvent>>();

  constructor(private readonly agent: Agent) {}

  private handlers(): grpc.UntypedServiceImplementation {
    const agent = this.agent;
    const streams = this.streams;

    const subscribe = (call: grpc.ServerWritableStream<WireSubscribeIncidentsRequest, WireIncidentEvent>): void => {
      const filter = fromWireFilter(call.request.filter);
      for (const inc of agent.store.recent(filter, call.request.replay ?? 0)) {
        call.write({ kind: toWireKind('replayed'), incident: toWireIncident(inc) });
      }
      const unsubscribe = agent.store.subscribe(filter, (ev) => {
        if (call.writableLength > SUBSCRIBER_QUEUE_LIMIT) {
          agent.metrics.countDrop('grpc_subscriber');
          return;
        }
        call.write({ kind: toWireKind(ev.kind), incident: toWireIncident(ev.incident) });
      });
      streams.add(call);
      const end = (): void => {
        unsubscribe();
        streams.delete(call);
      };
      call.on('cancelled', end);
      call.on('close', end);
      call.on('error', end);
    };

    const list: Unary<WireListIncidentsRequest, WireListIncidentsResponse> = (call, cb) => {
      const limit = call.request.limit || 100;
      const r = agent.store.list(fromWireFilter(call.request.filter), limit);
      cb(null, { incidents: r.incidents.map(toWireIncident), total: String(r.total) });
    };

    const getConfig: Unary<WireGetConfigRequest, WireGetConfigResponse> = (_call, cb) => {
      cb(null, { yaml: agent.configYaml(), generation: String(agent.config.generation) });
    };

    const setConfig: Unary<WireSetConfigRequest, WireSetConfigResponse> = (call, cb) => {
      try {
        const r = agent.setConfigText(call.request.yaml, Number(call.request.expected_generation ?? 0));
        if (!r.ok) {
          cb({ code: grpc.status.INVALID_ARGUMENT, details: `configuration rejected (generation ${r.generation} kept):\n${r.errors.join('\n')}` });
          return;
        }
        cb(null, { generation: String(r.generation), notes: r.notes });
      } catch (err) {
        fail(cb, err);
      }
    };

    const mask: Unary<WireMaskIncidentRequest, WireMaskIncidentResponse> = (call, cb) => {
      agent.maskIncident(call.request.id, call.request.future ?? false, call.request.reason ?? '').then(
        (inc) => cb(null, { incident: toWireIncident(inc) }),
        (err: unknown) => fail(cb, err),
      );
    };

    const setRule: Unary<WireSetRuleStateRequest, WireSetRuleStateResponse> = (call, cb) => {
      const id = Number(call.request.rule_id);
      agent.setRuleState(id, call.request.enabled, { source: fromWireSource(call.request.source), host: call.request.host ?? '' }).then(
        (r) => cb(null, { rules: r.rules.map(toWireRuleState), disabled_on_this_host: r.disabledHere }),
        (err: unknown) => fail(cb, err),
      );
    };

    const status: Unary<WireGetStatusRequest, WireGetStatusResponse> = (_call, cb) => {
      try {
        const s = agent.status();
        const counters: Record<string, string> = {};
        for (const [k, v] of Object.entries(s.counters)) counters[k] = String(Math.max(0, Math.floor(v)));
        cb(null, {
          version: s.version,
          host: s.host,
          started_at: timestamp(s.startedAtMs),
          config_generation: String(s.configGeneration),
          analysis_enabled: s.analysisEnabled,
          capture_path: s.capturePath,
          https_enabled: s.httpsEnabled,
          probes: s.probes.map((p) => ({ name: p.name, kind: p.kind, target: p.target, attached: p.attached, error: p.error ?? '' })),
          counters,
          rules: s.rules.map((r) => toWireRuleReport(r.report, r.disabledByOperator)),
          incidents_held: String(s.incidentsHeld),
          incidents_masked: String(s.incidentsMasked),
          grpc_listen: s.grpcListen,
          metrics_listen: s.metricsListen,
          eve_path: s.evePath,
        });
      } catch (err) {
        fail(cb, err);
      }
    };

    return {
      SubscribeIncidents: subscribe as grpc.handleServerStreamingCall<unknown, unknown>,
      ListIncidents: list as grpc.handleUnaryCall<unknown, unknown>,
      GetConfig: getConfig as grpc.handleUnaryCall<unknown, unknown>,
      SetConfig: setConfig as grpc.handleUnaryCall<unknown, unknown>,
      MaskIncident: mask as grpc.handleUnaryCall<unknown, unknown>,
      SetRuleState: setRule as grpc.handleUnaryCall<unknown, unknown>,
      GetStatus: status as grpc.handleUnaryCall<unknown, unknown>,
    };
  }

  /** Binds (insecure: the default address is loopback) and resolves to "host:port" actually bound. */
  async listen(addr: string): Promise<string> {
    const server = new grpc.Server();
    server.addService(agentServiceClient().service, this.handlers());
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(addr, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(new Error(`gRPC cannot listen on ${addr}: ${err.message}`)) : resolve(p)));
    });
    this.server = server;
    return addr.replace(/:\d+$/, `:${port}`);
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    // Subscriptions never end on their own: end them so a graceful shutdown can finish.
    for (const call of this.streams) call.end();
    this.streams.clear();
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        s.forceShutdown();
        resolve();
      }, 2000);
      s.tryShutdown(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}
