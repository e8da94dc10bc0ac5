// Which of a set of function names an ELF file exports (defined FUNC symbols in .dynsym).
// Reads only the ELF header, the section headers, .dynsym and its string table, so checking a
// 100 MB binary like /usr/bin/node costs a few MB of reads. Results are cached per file identity.
import * as fs from 'fs';

const SHT_DYNSYM = 11;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;

export interface FileIdentity {
  dev: bigint;
  ino: bigint;
  mtimeNs: bigint;
}

export function fileIdentity(p: string): FileIdentity | undefined {
  try {
    const st = fs.statSync(p, { bigint: true });
    if (!st.isFile()) return undefined;
    return { dev: st.dev, ino: st.ino, mtimeNs: st.mtimeNs };
  } catch {
    return undefined;
  }
}

function readAt(fd: number, off: number, len: number): Buffer {
  const b = Buffer.alloc(len);
  let got = 0;
  while (got < len) {
    const n = fs.readSync(fd, b, got, len - got, off + got);
    if (n <= 0) throw new Error('short read');
    got += n;
  }
  return b;
}

/** Names from `wanted` that the file defines and exports as functions; [] for non-ELF files. */
export function elfExports(p: string, wanted: readonly string[]): string[] {
  return [...elfFunctionOffsets(p, wanted).keys()];
}

/** File offsets (what a uprobe is placed at) of the exported functions from `wanted`. Resolving
 * them once per file spares libbpf a symbol table walk per probe (node's is ~100 MB). */
export function elfFunctionOffsets(p: string, wanted: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, v] of elfSymbols(p, wanted)) {
    const seg = v.segments.find((sg) => v.value >= sg.vaddr && v.value < sg.vaddr + sg.memsz);
    if (seg) out.set(name, v.value - seg.vaddr + seg.offset);
  }
  return new Map(wanted.filter((w) => out.has(w)).map((w) => [w, out.get(w)!]));
}

interface Segment {
  vaddr: number;
  memsz: number;
  offset: number;
}

function elfSymbols(p: string, wanted: readonly string[]): Map<string, { value: number; segments: Segment[] }> {
  const result = new Map<string, { value: number; segments: Segment[] }>();
  let fd: number;
  try {
    fd = fs.openSync(p, 'r');
  } catch {
    return result;
  }
  try {
    const eh = readAt(fd, 0, 64);
    // 64-bit little-endian ELF only (the hosts we run on).
    if (eh.readUInt32BE(0) !== 0x7f454c46 || eh[4] !== 2 || eh[5] !== 1) return result;
    const phoff = Number(eh.readBigUInt64LE(0x20));
    const phentsize = eh.readUInt16LE(0x36);
    const phnum = eh.readUInt16LE(0x38);
    const segments: Segment[] = [];
    if (phoff && phentsize >= 56 && phnum > 0 && phnum < 4096) {
      const ph = readAt(fd, phoff, phentsize * phnum);
      for (let i = 0; i < phnum; i++) {
        const o = i * phentsize;
        if (ph.readUInt32LE(o) !== 1 /* PT_LOAD */ || !(ph.readUInt32LE(o + 4) & 1) /* PF_X */) continue;
        segments.push({
          offset: Number(ph.readBigUInt64LE(o + 8)),
          vaddr: Number(ph.readBigUInt64LE(o + 16)),
          memsz: Number(ph.readBigUInt64LE(o + 40)),
        });
      }
    }
    const shoff = Number(eh.readBigUInt64LE(0x28));
    const shentsize = eh.readUInt16LE(0x3a);
    const shnum = eh.readUInt16LE(0x3c);
    if (!shoff || shentsize < 64 || shnum === 0 || shnum > 65535) return result;
    const sh = readAt(fd, shoff, shentsize * shnum);
    for (let i = 0; i < shnum; i++) {
      const o = i * shentsize;
      if (sh.readUInt32LE(o + 4) !== SHT_DYNSYM) continue;
      const symOff = Number(sh.readBigUInt64LE(o + 0x18));
      const symSize = Number(sh.readBigUInt64LE(o + 0x20));
      const link = sh.readUInt32LE(o + 0x28);
      const entsize = Number(sh.readBigUInt64LE(o + 0x38)) || 24;
      if (link >= shnum || symSize > 256 << 20) return result;
      const lo = link * shentsize;
      const strOff = Number(sh.readBigUInt64LE(lo + 0x18));
      const strSize = Number(sh.readBigUInt64LE(lo + 0x20));
      if (strSize > 256 << 20) return result;
      const syms = readAt(fd, symOff, symSize);
      const strs = readAt(fd, strOff, strSize);
      const want = new Set(wanted);
      // Compare names as bytes: no string per symbol (node has ~100k of them).
      const firstBytes = new Set(wanted.map((w) => w.charCodeAt(0)));
      for (let s = 0; s + entsize <= syms.length; s += entsize) {
        const info = syms[s + 4];
        const type = info & 0xf;
        if (type !== STT_FUNC && type !== STT_GNU_IFUNC) continue;
        if (syms.readUInt16LE(s + 6) === 0) continue; // undefined: imported, not exported
        const nameOff = syms.readUInt32LE(s);
        if (nameOff >= strs.length || !firstBytes.has(strs[nameOff])) continue;
        const end = strs.indexOf(0, nameOff);
        const name = strs.toString('latin1', nameOff, end < 0 ? strs.length : end);
        if (want.has(name)) result.set(name, { value: Number(syms.readBigUInt64LE(s + 8)), segments });
      }
      return result;
    }
    return result;
  } catch {
    return result;
  } finally {
    fs.closeSync(fd);
  }
}

/** The functions the TLS probes go on (native/src/tls_attach.cc kProbes). */
export const TLS_FUNCTIONS = ['SSL_write', 'SSL_read', 'SSL_write_ex', 'SSL_read_ex', 'SSL_do_handshake', 'SSL_free'] as const;

const cache = new Map<string, Record<string, number>>();

/** Offsets of TLS_FUNCTIONS in the file (cached per file identity); {} for other files. */
export function tlsFunctionOffsets(p: string): Record<string, number> {
  const id = fileIdentity(p);
  if (!id) return {};
  const key = `${id.dev}:${id.ino}:${id.mtimeNs}`;
  let v = cache.get(key);
  if (v === undefined) {
    v = Object.fromEntries(elfFunctionOffsets(p, TLS_FUNCTIONS));
    cache.set(key, v);
  }
  return v;
}

/** True when the file exports OpenSSL's SSL_read and SSL_write (libssl, or a binary like node). */
export function exportsOpenSsl(p: string): boolean {
  const o = tlsFunctionOffsets(p);
  return o.SSL_read !== undefined && o.SSL_write !== undefined;
}
