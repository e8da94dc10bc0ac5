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
  let fd: number;
  try {
    fd = fs.openSync(p, 'r');
  } catch {
    return [];
  }
  try {
    const eh = readAt(fd, 0, 64);
    // 64-bit little-endian ELF only (the hosts we run on).
    if (eh.readUInt32BE(0) !== 0x7f454c46 || eh[4] !== 2 || eh[5] !== 1) return [];
    const shoff = Number(eh.readBigUInt64LE(0x28));
    const shentsize = eh.readUInt16LE(0x3a);
    const shnum = eh.readUInt16LE(0x3c);
    if (!shoff || shentsize < 64 || shnum === 0 || shnum > 65535) return [];
    const sh = readAt(fd, shoff, shentsize * shnum);
    for (let i = 0; i < shnum; i++) {
      const o = i * shentsize;
      if (sh.readUInt32LE(o + 4) !== SHT_DYNSYM) continue;
      const symOff = Number(sh.readBigUInt64LE(o + 0x18));
      const symSize = Number(sh.readBigUInt64LE(o + 0x20));
      const link = sh.readUInt32LE(o + 0x28);
      const entsize = Number(sh.readBigUInt64LE(o + 0x38)) || 24;
      if (link >= shnum || symSize > 256 << 20) return [];
      const lo = link * shentsize;
      const strOff = Number(sh.readBigUInt64LE(lo + 0x18));
      const strSize = Number(sh.readBigUInt64LE(lo + 0x20));
      if (strSize > 256 << 20) return [];
      const syms = readAt(fd, symOff, symSize);
      const strs = readAt(fd, strOff, strSize);
      const want = new Set(wanted);
      const found = new Set<string>();
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
        if (want.has(name)) found.add(name);
      }
      return wanted.filter((w) => found.has(w));
    }
    return [];
  } catch {
    return [];
  } finally {
    fs.closeSync(fd);
  }
}

const cache = new Map<string, boolean>();

/** True when the file exports OpenSSL's SSL_read and SSL_write (libssl, or a binary like node). */
export function exportsOpenSsl(p: string): boolean {
  const id = fileIdentity(p);
  if (!id) return false;
  const key = `${id.dev}:${id.ino}:${id.mtimeNs}`;
  let v = cache.get(key);
  if (v === undefined) {
    v = elfExports(p, ['SSL_read', 'SSL_write']).length === 2;
    cache.set(key, v);
  }
  return v;
}
