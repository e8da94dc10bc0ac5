// Loads proto/proctap/v1/agent.proto at run time (no generated code) and exposes the service.
import * as path from 'path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { packageRoot } from '../util/package-root';

/** The options wire.ts's types are written for. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

let cached: grpc.GrpcObject | undefined;

export function protoDir(): string {
  return path.join(packageRoot(), 'proto');
}

export function loadProctapPackage(): grpc.GrpcObject {
  if (cached) return cached;
  const def = protoLoader.loadSync('proctap/v1/agent.proto', { ...LOADER_OPTIONS, includeDirs: [protoDir()] });
  cached = grpc.loadPackageDefinition(def);
  return cached;
}

/** The AgentService constructor (a grpc client class carrying `.service`). */
export function agentServiceClient(): grpc.ServiceClientConstructor {
  const pkg = loadProctapPackage();
  const v1 = (pkg.proctap as grpc.GrpcObject).v1 as grpc.GrpcObject;
  return v1.AgentService as grpc.ServiceClientConstructor;
}
