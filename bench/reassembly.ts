// Reassembly throughput on a large generated pcap (written to a temp dir, removed afterwards).
//   node --import tsx bench/reassembly.ts [--conns 4000] [--keep]
// Builds keep-alive HTTP conversations (the bench/http-corpus generator) as Ethernet/IPv4 frames,
// with ~2% of segments reordered and ~1% retransmitted, then times:
//   1. reading + decoding the pcap (no reassembly),
//   2. reading + decoding + TCP reassembly (StreamChunks to a counting sink),
//   3. the whole replayPcap pipeline (reassembly + HTTP transactions).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readPcapFile } from '../src/pcap/reader';
import { decodeFrame } from '../src/pcap/decode';
import { PcapWriter, type TcpFrameSpec } from '../src/pcap/writer';
import { TcpReassembler } from '../src/flow/tcp-reassembler';
import { replayPcap } from '../src/pipeline';
import { buildCorpus } from './http-corpus';
import { seededRandom } from '../src/util/rng';

const args = process.argv.slice(2);
const CONNS = Number(args[args.indexOf('--conns') + 1] || 0) || 4000;
const KEEP = args.includes('--keep');
const FILE_ARG = args.includes('--file') ? args[args.indexOf('--file') + 1] : undefined;


const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proctap-bench-'));
const file = FILE_ARG ?? path.join(dir, 'large.pcap');
const t0 = Date.now();
// The expected totals come from generating again (cheap without writing) when a file is given.
const corpus = buildCorpus(200, 10, 7);
const w = new PcapWriter(1, FILE_ARG ? undefined : file);
const NOWRITE = FILE_ARG !== undefined;
if (NOWRITE) (w as unknown as { record: () => void }).record = () => {};
const r = seededRandom(3);
let payloadBytes = 0;
let expectedTx = 0;
let time = 1_700_000_000_000;
// Interleave connections a few at a time, as a busy link would.
const ACTIVE = 16;
for (let base = 0; base < CONNS; base += ACTIVE) {
  const convs = Array.from({ length: Math.min(ACTIVE, CONNS - base) }, (_, k) => {
    const i = base + k;
    const c = corpus[i % corpus.length];
    expectedTx += c.transactions;
    payloadBytes += c.toServer.length + c.toClient.length;
    return { i, c, cseq: 1000 + i * 7, sseq: 900000 + i * 13, qOff: 0, sOff: 0, opened: false, closed: false };
  });
  let live = convs.length;
  while (live > 0) {
    live = 0;
    for (const v of convs) {
      if (v.closed) continue;
      const cport = 1024 + (v.i % 60000);
      const caddr = `10.${(v.i >> 16) & 255}.${(v.i >> 8) & 255}.${v.i & 255}`;
      const mk = (fromClient: boolean, seq: number, flags: number, payload?: Buffer): TcpFrameSpec =>
        fromClient
          ? { src: caddr, dst: '192.168.0.1', sport: cport, dport: 80, seq, ack: v.sseq, flags, payload }
          : { src: '192.168.0.1', dst: caddr, sport: 80, dport: cport, seq, ack: v.cseq, flags, payload };
      if (!v.opened) {
        v.opened = true;
        w.tcp((time += 0.01), mk(true, v.cseq, 0x02));
        v.cseq++;
        w.tcp((time += 0.01), mk(false, v.sseq, 0x12)); // acknowledges ISN+1
        v.sseq++;
        live++;
        continue;
      }
      // Up to 4 segments per direction per turn.
      let sent = false;
      for (const dirClient of [true, false]) {
        const data = dirClient ? v.c.toServer : v.c.toClient;
        for (let k = 0; k < 4; k++) {
          const off = dirClient ? v.qOff : v.sOff;
          if (off >= data.length) break;
          const seg = data.subarray(off, off + 1460);
          const seq = dirClient ? v.cseq : v.sseq;
          const spec = mk(dirClient, seq, 0x18, seg);
          const next = off + seg.length;
          // Reorder: hold this segment and send the next one first, sometimes.
          const nextSeg = data.subarray(next, next + 1460);
          if (r() < 0.02 && nextSeg.length > 0) {
            w.tcp((time += 0.01), mk(dirClient, (seq + seg.length) >>> 0, 0x18, nextSeg));
            w.tcp((time += 0.01), spec);
            const adv = seg.length + nextSeg.length;
            if (dirClient) { v.qOff += adv; v.cseq = (v.cseq + adv) >>> 0; } else { v.sOff += adv; v.sseq = (v.sseq + adv) >>> 0; }
          } else {
            w.tcp((time += 0.01), spec);
            if (r() < 0.01) w.tcp((time += 0.01), spec); // retransmission
            if (dirClient) { v.qOff = next; v.cseq = (v.cseq + seg.length) >>> 0; } else { v.sOff = next; v.sseq = (v.sseq + seg.length) >>> 0; }
          }
          sent = true;
        }
      }
      if (sent) {
        live++;
      } else {
        w.tcp((time += 0.01), mk(true, v.cseq, 0x11));
        w.tcp((time += 0.01), mk(false, v.sseq, 0x11));
        v.closed = true;
      }
      // Never let a generator bug fill the disk.
      if (w.bytes > 4 * 30e6 * (CONNS / 1000) + 1e8) throw new Error(`generator wrote ${w.bytes} bytes: bug`);
    }
  }
}
w.close();
const size = fs.statSync(file).size;
console.log(`generated ${file}: ${(size / 1e6).toFixed(0)} MB, ${CONNS} connections, ${expectedTx} transactions, ${(payloadBytes / 1e6).toFixed(0)} MB of TCP payload (${((Date.now() - t0) / 1000).toFixed(1)} s)`);

/** Wall-clock and CPU-time rates (CPU time of this process: steadier on a shared machine). */
function timed(label: string, fn: () => { packets: number; extra: string }): void {
  const c0 = process.cpuUsage();
  const s = process.hrtime.bigint();
  const res = fn();
  const sec = Number(process.hrtime.bigint() - s) / 1e9;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  console.log(
    `${label.padEnd(34)} ${(size / sec / 1e6).toFixed(0).padStart(5)} MB/s of pcap (wall), ${(size / cpu / 1e6).toFixed(0).padStart(5)} MB per CPU-s; ` +
      `${(payloadBytes / cpu / 1e6).toFixed(0).padStart(5)} MB payload per CPU-s; ${(res.packets / cpu / 1e6).toFixed(2)} Mpkt per CPU-s  ${res.extra}`,
  );
}

try {
  timed('read + decode', () => {
    let packets = 0;
    let tcp = 0;
    readPcapFile(file, (rec, h) => {
      packets++;
      if (decodeFrame(h.linktype, rec.data).ok) tcp++;
    });
    return { packets, extra: `(${tcp} TCP)` };
  });
  timed('read + decode + reassembly', () => {
    let packets = 0;
    let bytes = 0;
    let ends = 0;
    const ra = new TcpReassembler({ data: (c) => (bytes += c.data.length), end: () => ends++ });
    readPcapFile(file, (rec, h) => {
      packets++;
      const d = decodeFrame(h.linktype, rec.data);
      if (d.ok) ra.packet(d.pkt, rec.timeMs);
    });
    ra.flush();
    const c = ra.counters();
    if (bytes !== payloadBytes) throw new Error(`reassembled ${bytes} bytes, expected ${payloadBytes}`);
    return { packets, extra: `(${ends} flows, ${c.tcp_segments_out_of_order} out-of-order, ${c.tcp_retransmissions} retransmissions, ${c.tcp_gaps} gaps)` };
  });
  timed('replayPcap (reassembly + HTTP)', () => {
    let txs = 0;
    const res = replayPcap(file, (ev) => {
      if (ev.kind === 'http-response') txs++;
    });
    if (txs !== expectedTx) throw new Error(`${txs} transactions, expected ${expectedTx}`);
    return { packets: res.packets, extra: `(${txs} transactions)` };
  });
} finally {
  if (!KEEP) fs.rmSync(dir, { recursive: true, force: true });
}
