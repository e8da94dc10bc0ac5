// TLS library discovery without the kernel: which files export OpenSSL's SSL_* functions (and at
// which file offsets the probes go), the host's libssl files, a process's TLS libraries from its
// maps, and the user-space mirror of the kernel filter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { elfExports, elfFunctionOffsets, exportsOpenSsl, tlsFunctionOffsets } from '../src/capture/tls/elf-exports';
import { filterAdmits, procFacts, systemTlsLibraries, tlsExecutableOf, tlsLibrariesOfProcess } from '../src/capture/tls/discover';
import { tmpDir, waitForLine } from './capture-helpers';

const LIBSSL = '/usr/lib/x86_64-linux-gnu/libssl.so.3';

/** nm -D value of a symbol, converted to a file offset through readelf's PT_LOAD table. */
function nmFileOffset(file: string, sym: string): number {
  const nm = spawnSync('nm', ['-D', '--defined-only', file], { encoding: 'utf8' }).stdout;
  const m = new RegExp(`^([0-9a-f]+) [TtiW] ${sym}(@@\\S+)?$`, 'm').exec(nm);
  assert.ok(m, `${sym} in nm -D ${file}`);
  const v = parseInt(m[1], 16);
  const ph = spawnSync('readelf', ['-lW', file], { encoding: 'utf8' }).stdout;
  for (const l of ph.split('\n')) {
    const s = /^\s+LOAD\s+0x([0-9a-f]+) 0x([0-9a-f]+) 0x[0-9a-f]+ 0x[0-9a-f]+ 0x([0-9a-f]+) (.*)$/.exec(l);
    if (!s || !s[4].includes('E')) continue;
    const [off, va, msz] = [parseInt(s[1], 16), parseInt(s[2], 16), parseInt(s[3], 16)];
    if (v >= va && v < va + msz) return v - va + off;
  }
  throw new Error(`${sym} not in an executable segment`);
}

test('libssl and node export SSL_*; offsets match nm/readelf; other files do not', () => {
  assert.ok(exportsOpenSsl(LIBSSL));
  assert.ok(exportsOpenSsl('/usr/bin/node'), 'Node 20 exports its OpenSSL');
  assert.ok(!exportsOpenSsl('/usr/bin/curl'), 'curl imports SSL_* from libssl, does not export them');
  assert.ok(!exportsOpenSsl('/usr/lib/x86_64-linux-gnu/libcrypto.so.3'));
  const txt = path.join(tmpDir(), 'not-elf.so');
  fs.writeFileSync(txt, 'hello');
  assert.ok(!exportsOpenSsl(txt));
  assert.ok(!exportsOpenSsl('/nonexistent/libssl.so.3'));
  for (const file of [LIBSSL, '/usr/bin/node']) {
    const offs = tlsFunctionOffsets(file);
    for (const fn of ['SSL_write', 'SSL_read', 'SSL_write_ex', 'SSL_read_ex', 'SSL_do_handshake', 'SSL_free']) {
      assert.equal(offs[fn], nmFileOffset(file, fn), `${file} ${fn}`);
    }
  }
  assert.deepEqual(elfExports(LIBSSL, ['SSL_write', 'no_such_function']), ['SSL_write']);
  assert.equal(elfFunctionOffsets('/usr/bin/curl', ['SSL_write']).size, 0);
});

test('the host libssl files: libssl.so.3 once (symlinks and /lib alias resolve to one file)', () => {
  const libs = systemTlsLibraries();
  assert.equal(libs.filter((l) => l.path === LIBSSL).length, 1, JSON.stringify(libs));
  assert.equal(new Set(libs.map((l) => l.key)).size, libs.length);
  assert.ok(!libs.some((l) => /libssl3\.so/.test(l.path)), 'NSS libssl3.so does not export OpenSSL SSL_write');
});

test("a process's TLS libraries from its maps: python after `import ssl`, node's own binary", async () => {
  const py = spawn('python3', ['-c', 'import ssl, sys; print("UP", flush=True); sys.stdin.read()'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const nd = spawn('node', ['-e', 'console.log("UP"); setTimeout(() => {}, 20000)'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await waitForLine(py, /UP/);
    await waitForLine(nd, /UP/);
    const pyLibs = tlsLibrariesOfProcess(py.pid!);
    assert.deepEqual(pyLibs.map((l) => l.path), [LIBSSL]);
    assert.equal(pyLibs[0].openPath, `/proc/${py.pid}/root${LIBSSL}`);
    assert.equal(tlsExecutableOf(py.pid!), undefined);
    const exe = tlsExecutableOf(nd.pid!);
    assert.equal(exe?.path, '/usr/bin/node');
    assert.ok(tlsLibrariesOfProcess(nd.pid!).some((l) => l.path === '/usr/bin/node'));
    assert.deepEqual(tlsLibrariesOfProcess(999_999_999), [], 'a missing process has none');
  } finally {
    py.kill('SIGKILL');
    nd.kill('SIGKILL');
  }
});

test('the user-space filter mirror: exclude wins, any include admits, no include admits all', () => {
  const f = procFacts(process.pid)!;
  assert.equal(f.comm, fs.readFileSync('/proc/self/comm', 'utf8').trim());
  assert.ok(filterAdmits(f, {}));
  assert.ok(filterAdmits(f, { include: { netns: [f.netns] } }));
  assert.ok(!filterAdmits(f, { include: { netns: [f.netns + 1] } }));
  assert.ok(filterAdmits(f, { include: { netns: [f.netns + 1], pids: [process.pid] } }));
  assert.ok(!filterAdmits(f, { include: { netns: [f.netns] }, exclude: { comms: [f.comm] } }));
  assert.ok(!filterAdmits(f, { exclude: { pids: [process.pid] } }));
  if (f.cgroupId !== undefined) assert.ok(filterAdmits(f, { include: { cgroups: [f.cgroupId] } }));
});
