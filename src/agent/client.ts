// A typed client for proctap.v1.AgentService (used by the CLI commands and tests).
import * as grpc from '@grpc/grpc-js';
import { agentServiceClient } from './proto';
import { DEFAULT_GRPC_LISTEN } from '../config/defaults';
import type {
  WireGetConfigResponse,
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

type UnaryMethod = (req: unknown, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => grpc.ClientUnaryCall;
type StreamMethod = (req: unknown, meta?: grpc.Metadata, opts?: grpc.CallOptions) => grpc.ClientReadableStream<unknown>;

export interface Subscription {
  /** Stops the stream (the server sees a cancel). */
  cancel(): void;
  /** Resolves when the stream ends: on cancel, server shutdown, or an error (rejected, except CANCELLED). */
  done: Promise<void>;
}

export class AgentClient {
  private readonly client: grpc.Client;

  constructor(readonly address: string = DEFAULT_GRPC_LISTEN, private readonly timeoutMs = 10_000) {
    const Ctor = agentServiceClient();
    this.client = new Ctor(address, grpc.credentials.createInsecure());
  }

  private unary<Res>(method: string, req: unknown): Promise<Res> {
    const fn = (this.client as unknown as Record<string, UnaryMethod>)[method].bind(this.client);
    return new Promise<Res>((resolve, reject) => {
      fn(req, new grpc.Metadata(), { deadline: Date.now() + this.timeoutMs }, (err, res) => (err ? reject(err) : resolve(res as Res)));
    });
  }

  listIncidents(req: WireListIncidentsRequest = {}): Promise<WireListIncidentsResponse> {
    return this.unary('ListIncidents', req);
  }

  getConfig(): Promise<WireGetConfigResponse> {
    return this.unary('GetConfig', {});
  }

  setConfig(req: WireSetConfigRequest): Promise<WireSetConfigResponse> {
    return this.unary('SetConfig', req);
  }

  maskIncident(req: WireMaskIncidentRequest): Promise<WireMaskIncidentResponse> {
    return this.unary('MaskIncident', req);
  }

  setRuleState(req: WireSetRuleStateRequest): Promise<WireSetRuleStateResponse> {
    return this.unary('SetRuleState', req);
  }

  getStatus(): Promise<WireGetStatusResponse> {
    return this.unary('GetStatus', {});
  }

  /** Calls `onEvent` for each incident event until cancelled. */
  subscribe(req: WireSubscribeIncidentsRequest, onEvent: (ev: WireIncidentEvent) => void): Subscription {
    const fn = (this.client as unknown as Record<string, StreamMethod>).SubscribeIncidents.bind(this.client);
    const call = fn(req);
    call.on('data', (ev: unknown) => onEvent(ev as WireIncidentEvent));
    const done = new Promise<void>((resolve, reject) => {
      call.on('end', () => resolve());
      call.on('error', (err: grpc.ServiceError) => (err.code === grpc.status.CANCELLED ? resolve() : reject(err)));
    });
    return { cancel: () => call.cancel(), done };
  }

  /** Resolves when connected, rejects after the timeout (a clear "cannot reach" for the CLI). */
  waitReady(ms = 3000): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.waitForReady(Date.now() + ms, (err) => (err ? reject(new Error(`cannot reach the agent at ${this.address}: ${err.message}`)) : resolve()));
    });
  }

  close(): void {
    this.client.close();
  }
}
