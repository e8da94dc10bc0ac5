// Fuzzing the pcap reader, frame decoder and reassembly (bounded time): mutated real captures and
// random records either replay or fail with a PcapFormatError naming the offset; nothing else
// is thrown, nothing hangs, every flow that starts also ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PcapParser, PcapFormatError } from '../src/pcap/reader';
import { PcapPipeline } from '../src/pipeline';
import { seededRandom } from '../src/util/rng';

const DATA = path.join(__dirname, '..', '..', 'shared', 'data', 'suricata-verify-http');


function samplePcaps(n: number): Buffer[] {
  const out: Buffer[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.pcap')) out.push(fs.readFileSync(p));
    }
  };
  if (fs.existsSync(DATA)) walk(DATA);
  return out.filter((_, i) => i % Math.max(1, Math.floor(out.length / n)) === 0).slice(0, n);
}

/** Replays a capture from memory in random read sizes; returns started/ended flow counts. */
function replayBuffer(buf: Buffer, r: () => number): { started: number; ended: number; error?: PcapFormatError } {
  const started = new Set<string>();
  let ended = 0;
  const pp = new PcapPipeline((ev) => {
    if (ev.kind === 'flow-end') ended++;
    else started.add(ev.kind === 'stream' ? ev.chunk.flow.id : ev.tx.flow.id);
  }, { rawStreams: 'all' });
  const parser = new PcapParser((rec, h) => pp.record(rec, h), 'fuzz.pcap');
  try {
    for (let i = 0; i < buf.length; ) {
      const n = 1 + Math.floor(r() * 4000);
      parser.push(buf.subarray(i, i + n));
      i += n;
    }
    parser.finish();
  } catch (e) {
    if (!(e instanceof PcapFormatError)) throw e;
    pp.finish();
    return { started: started.size, ended, error: e };
  }
  pp.finish();
  return { started: started.size, ended };
}

function budget(ms: number, body: (i: number) => void): number {
  const end = Date.now() + ms;
  let i = 0;
  while (Date.now() < end) body(i++);
  return i;
}

const pcaps = samplePcaps(60);

test('mutated suricata-verify captures: replay or a PcapFormatError, never anything else', () => {
  assert.ok(pcaps.length > 0, 'no suricata-verify pcaps under ../shared/data');
  const r = seededRandom(Number(process.env.FUZZ_SEED ?? 2024));
  let errors = 0;
  const n = budget(5000, () => {
    const base = pcaps[Math.floor(r() * pcaps.length)];
    const buf = Buffer.from(base);
    const edits = 1 + Math.floor(r() * 20);
    for (let k = 0; k < edits; k++) {
      // Leave the global header alone most of the time so the records get exercised.
      const at = r() < 0.05 ? Math.floor(r() * 24) : 24 + Math.floor(r() * (buf.length - 24));
      buf[at] = r() < 0.5 ? Math.floor(r() * 256) : buf[at] ^ (1 << Math.floor(r() * 8));
    }
    const cut = r() < 0.3 ? buf.subarray(0, Math.floor(r() * buf.length)) : buf;
    const res = replayBuffer(cut, r);
    if (res.error) errors++;
    assert.ok(res.ended >= res.started, `flows started ${res.started}, ended ${res.ended}`);
  });
  console.log(`pcap fuzz (mutated): ${n} captures, ${errors} rejected with PcapFormatError`);
  assert.ok(n > 20);
});

test('random records behind a valid header, every link type: no throw', () => {
  const r = seededRandom(Number(process.env.FUZZ_SEED ?? 99));
  const n = budget(3000, () => {
    const lt = [0, 1, 12, 101, 104, 108, 113, 228, 229, 276][Math.floor(r() * 10)];
    const parts: Buffer[] = [];
    const h = Buffer.alloc(24);
    h.writeUInt32LE(0xa1b2c3d4, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeUInt32LE(65535, 16);
    h.writeUInt32LE(lt, 20);
    parts.push(h);
    for (let k = 0; k < 30; k++) {
      const len = Math.floor(r() * 200);
      const rec = Buffer.alloc(16 + len);
      rec.writeUInt32LE(1_700_000_000 + k, 0);
      rec.writeUInt32LE(len, 8);
      rec.writeUInt32LE(len, 12);
      for (let i = 16; i < rec.length; i++) rec[i] = Math.floor(r() * 256);
      // Often make it look like IPv4/IPv6 TCP after the link header so deeper code runs.
      const off = 16 + ({ 0: 4, 1: 14, 104: 4, 108: 4, 113: 16, 276: 20 } as Record<number, number>)[lt]! || 16;
      if (r() < 0.7 && rec.length > off + 40) {
        if (r() < 0.5) {
          rec[off] = 0x45;
          rec.writeUInt16BE(len - (off - 16), off + 2);
          rec.writeUInt16BE(0, off + 6);
          rec[off + 9] = 6;
        } else {
          rec[off] = 0x60;
          rec.writeUInt16BE(len - (off - 16) - 40, off + 4);
          rec[off + 6] = 6;
        }
        if (lt === 1) rec.writeUInt16BE(rec[off] === 0x45 ? 0x0800 : 0x86dd, 16 + 12);
        if (lt === 113) rec.writeUInt16BE(rec[off] === 0x45 ? 0x0800 : 0x86dd, 16 + 14);
        if (lt === 276) rec.writeUInt16BE(rec[off] === 0x45 ? 0x0800 : 0x86dd, 16);
        if (lt === 0) rec.writeUInt32LE(rec[off] === 0x45 ? 2 : 30, 16);
      }
      parts.push(rec);
    }
    const res = replayBuffer(Buffer.concat(parts), r);
    assert.equal(res.error, undefined);
    assert.ok(res.ended >= res.started);
  });
  console.log(`pcap fuzz (random records): ${n} captures`);
  assert.ok(n > 20);
});
