// The gRPC API is documented field by field: every message, enum, rpc and field in
// proto/proctap/v1/*.proto has a comment (on the line(s) above, or trailing), and the files load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadProctapPackage } from '../src/agent/proto';

const dir = path.join(__dirname, '..', 'proto', 'proctap', 'v1');

test('every message, enum, rpc and field of the proto files is documented', () => {
  const undocumented: string[] = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.proto'))) {
    const lines = fs.readFileSync(path.join(dir, file), 'utf8').split('\n');
    lines.forEach((raw, i) => {
      const line = raw.trim();
      const decl = /^(message|enum|service)\s+\w+|^rpc\s+\w+|^(repeated\s+|map<[^>]+>\s+)?[\w.]+\s+\w+\s*=\s*\d+;/.test(line);
      if (!decl) return;
      // Enum values named UNSPECIFIED are the proto3 zero default and explain themselves.
      if (/_UNSPECIFIED\s*=\s*0;/.test(line)) return;
      const trailing = line.includes('//');
      // A field may share the comment of the field above it when they form a pair (address/port).
      let j = i - 1;
      while (j >= 0 && /^\s*(repeated\s+)?[\w.]+\s+\w+\s*=\s*\d+;\s*$/.test(lines[j]) && /_(port|address)\s*=/.test(line)) j--;
      const above = j >= 0 && lines[j].trim().startsWith('//');
      if (!trailing && !above) undocumented.push(`${file}:${i + 1}: ${line}`);
    });
  }
  assert.deepEqual(undocumented, []);
});

test('the proto files load with proto-loader and define the AgentService methods', () => {
  const pkg = loadProctapPackage() as unknown as { proctap: { v1: { AgentService: { service: Record<string, unknown> } } } };
  assert.deepEqual(Object.keys(pkg.proctap.v1.AgentService.service).sort(), [
    'GetConfig',
    'GetStatus',
    'ListIncidents',
    'MaskIncident',
    'SetConfig',
    'SetRuleState',
    'SubscribeIncidents',
  ]);
});
