// Shared by the client commands (incidents, status, config, mask, rule): the --server option, error
// messages from gRPC statuses, and the status printout.
import type { Command } from 'commander';
import * as grpc from '@grpc/grpc-js';
import { DEFAULT_GRPC_LISTEN } from '../config/defaults';
import { AgentClient } from './client';
import { timestampMs } from './convert';
import type { WireGetStatusResponse } from './wire';

export function addServerOption(cmd: Command): Command {
  return cmd.option('--server <addr>', 'agent gRPC address (HOST:PORT)', DEFAULT_GRPC_LISTEN);
}

/** Runs `fn` with a connected client; turns gRPC errors into plain messages. */
export async function withClient<T>(server: string, fn: (c: AgentClient) => Promise<T>): Promise<T> {
  const client = new AgentClient(server);
  try {
    await client.waitReady();
    return await fn(client);
  } catch (err) {
    const e = err as Partial<grpc.ServiceError>;
    if (typeof e.code === 'number' && typeof e.details === 'string') throw new Error(e.details || `gRPC status ${e.code}`);
    throw err;
  } finally {
    client.close();
  }
}

function plural(n: string | number, what: string): string {
  return `${n} ${what}${Number(n) === 1 ? '' : 's'}`;
}

export function formatStatus(s: WireGetStatusResponse): string {
  const lines: string[] = [];
  const started = timestampMs(s.started_at);
  lines.push(`proctap ${s.version} on ${s.host}, up since ${new Date(started).toISOString()}`);
  lines.push(`analysis: ${s.analysis_enabled ? 'on' : 'off'}   https: ${s.https_enabled ? 'on' : 'off'}   config generation: ${s.config_generation}`);
  lines.push(`capture path: ${s.capture_path}`);
  lines.push(`outputs: grpc ${s.grpc_listen || 'off'}, metrics ${s.metrics_listen || 'off'}, eve ${s.eve_path || 'off'}`);
  lines.push(`incidents held: ${s.incidents_held} (${s.incidents_masked} masked)`);
  if (s.probes.length) {
    lines.push('probes:');
    for (const p of s.probes) lines.push(`  ${p.attached ? 'attached' : 'NOT attached'}  ${p.kind.padEnd(9)} ${p.name}  ${p.target}${p.error ? `  (${p.error})` : ''}`);
  }
  if (s.rules.length) {
    lines.push('rules:');
    for (const r of s.rules) {
      lines.push(
        `  ${r.engine}: ${plural(r.loaded, 'rule')} loaded, ${r.failed} failed, ${r.disabled_in_files} disabled in files, ${r.disabled_by_operator} off by operator, ${r.load_time_ms.toFixed(0)} ms (${r.paths.join(', ')})`,
      );
      for (const [reason, n] of Object.entries(r.failed_by_reason).sort((a, b) => Number(b[1]) - Number(a[1])).slice(0, 10)) lines.push(`      ${n.padStart(6)}  ${reason}`);
    }
  }
  const keys = Object.keys(s.counters).sort();
  if (keys.length) {
    lines.push('counters:');
    for (const k of keys) lines.push(`  ${k.padEnd(32)} ${s.counters[k]}`);
  }
  return lines.join('\n');
}
