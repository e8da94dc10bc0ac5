// Nothing of ours stays in the kernel: after close(), and after the process dies by SIGINT,
// SIGTERM or SIGKILL, the BPF programs and links the sensor loaded are gone (checked with bpftool
// by the ids the sensor reported, so other sensors on the host do not matter).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { Sensor } from '../src/capture';
import { sleep, waitForLine } from './capture-helpers';

const root = path.join(__dirname, '..');

function progExists(id: number): boolean {
  return spawnSync('bpftool', ['prog', 'show', 'id', String(id)], { encoding: 'utf8' }).status === 0;
}
function linkExists(id: number): boolean {
  return spawnSync('bpftool', ['link', 'show', 'id', String(id)], { encoding: 'utf8' }).status === 0;
}

async function waitGone(ids: { id: number; linkId: number }[]): Promise<void> {
  // Program memory is freed after an RCU grace period: allow a moment.
  const end = Date.now() + 5_000;
  while (Date.now() < end) {
    if (ids.every((p) => !progExists(p.id) && (p.linkId === 0 || !linkExists(p.linkId)))) return;
    await sleep(50);
  }
  const left = ids.filter((p) => progExists(p.id) || (p.linkId !== 0 && linkExists(p.linkId)));
  assert.deepEqual(left, [], 'BPF programs/links left behind');
}

for (const capturePath of ['sock-tracepoints', 'syscalls'] as const) {
  test(`close() removes every program and link (${capturePath})`, async () => {
    const sensor = new Sensor({ capturePath, filter: { include: { comms: ['proctap-none'] } } });
    const progs = sensor.programs();
    const names = progs.map((p) => p.name);
    const own = capturePath === 'syscalls' ? ['pt_state', 'pt_sys_enter', 'pt_sys_exit'] : ['pt_sock_recv', 'pt_sock_send', 'pt_state'];
    const other = capturePath === 'syscalls' ? /^pt_sock_/ : /^pt_sys_/;
    for (const n of own) assert.ok(names.includes(n), `${n} loaded: ${names}`);
    assert.ok(!names.some((n) => other.test(n)), `the other path's programs are not loaded: ${names}`);
    assert.ok(names.every((n) => n.startsWith('pt_')), `${names}`);
    for (const p of progs) {
      assert.ok(progExists(p.id), `prog ${p.name} id ${p.id} loaded`);
      // The capture path's programs are attached by the loader (the TLS family attaches per target).
      if (own.includes(p.name)) assert.ok(p.linkId > 0 && linkExists(p.linkId), `link of ${p.name}`);
    }
    const shown = spawnSync('bpftool', ['prog', 'show'], { encoding: 'utf8' }).stdout;
    for (const p of progs) assert.match(shown, new RegExp(`^${p.id}: \\S+\\s+name ${p.name.slice(0, 15)}`, 'm'));
    await sensor.close();
    await waitGone(progs);
    assert.throws(() => sensor.setFilter({}), /closed/);
    assert.deepEqual(sensor.programs(), []);
  });
}

const CHILD = `
const { Sensor } = require(${JSON.stringify(path.join(root, 'src/capture'))});
const s = new Sensor({ filter: { include: { comms: ['proctap-none'] } } });
console.log('PROGS ' + JSON.stringify(s.programs()));
setInterval(() => {}, 1000);
`;

for (const sig of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
  test(`a process killed by ${sig} leaves no program or link behind`, async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', CHILD], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const m = await waitForLine(child, /PROGS (.*)\n/, 20_000);
      const progs = JSON.parse(m[1]) as { id: number; linkId: number; name: string }[];
      assert.ok(progs.length >= 3 && progs.some((p) => p.name === 'pt_state'), m[1]);
      assert.ok(progs.every((p) => progExists(p.id)));
      const exited = new Promise((r) => child.on('exit', r));
      child.kill(sig);
      await exited;
      await waitGone(progs);
    } finally {
      child.kill('SIGKILL');
    }
  });
}
