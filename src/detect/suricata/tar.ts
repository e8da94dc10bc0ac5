// Minimal reader for (gzipped) tar archives as ET publishes them: regular files only, with GNU
// long names and pax path records; anything else is skipped. Names are returned as stored.
import * as zlib from 'zlib';

export interface TarEntry {
  name: string;
  data: Buffer;
}

function field(b: Buffer, off: number, len: number): string {
  const raw = b.subarray(off, off + len);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? raw.length : nul).toString('utf8');
}

export function readTar(archive: Buffer): TarEntry[] {
  const buf = archive.length >= 2 && archive[0] === 0x1f && archive[1] === 0x8b ? zlib.gunzipSync(archive) : archive;
  if (buf.length < 512) throw new Error('too short to be a tar archive');
  const out: TarEntry[] = [];
  let off = 0;
  let longName: string | undefined;
  while (off + 512 <= buf.length) {
    const h = buf.subarray(off, off + 512);
    if (h.every((x) => x === 0)) break;
    // Header checksum: the byte sum with the checksum field read as spaces.
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
    if (parseInt(field(h, 148, 8).trim() || 'x', 8) !== sum) throw new Error(`bad tar header checksum at byte ${off}`);
    const sizeText = field(h, 124, 12).trim();
    if (!/^[0-7]*$/.test(sizeText)) throw new Error(`corrupt tar header at byte ${off}`);
    const size = parseInt(sizeText || '0', 8);
    const type = String.fromCharCode(h[156] || 0x30);
    const magic = field(h, 257, 6);
    const prefix = magic.startsWith('ustar') ? field(h, 345, 155) : '';
    let name = longName ?? (prefix ? prefix + '/' : '') + field(h, 0, 100);
    longName = undefined;
    const dataStart = off + 512;
    if (dataStart + size > buf.length) throw new Error(`truncated tar entry ${name}`);
    const data = buf.subarray(dataStart, dataStart + size);
    if (type === 'L') longName = field(data, 0, data.length);
    else if (type === 'x') {
      const m = /\d+ path=([^\n]*)\n/.exec(data.toString('utf8'));
      if (m) longName = m[1];
    } else if (type === '0' || type === '\0' || type === '7') out.push({ name, data: Buffer.from(data) });
    name = '';
    off = dataStart + Math.ceil(size / 512) * 512;
  }
  return out;
}
