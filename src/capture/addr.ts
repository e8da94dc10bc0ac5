// Formats raw address bytes from events; v4-mapped IPv6 peers become plain IPv4.
const v4Cache = new Map<number, string>();

export function formatV4(buf: Buffer, off: number): string {
  const key = buf.readUInt32BE(off);
  let s = v4Cache.get(key);
  if (s === undefined) {
    s = `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
    if (v4Cache.size > 65536) v4Cache.clear();
    v4Cache.set(key, s);
  }
  return s;
}

/** True for ::ffff:a.b.c.d */
export function isV4Mapped(buf: Buffer, off: number): boolean {
  for (let i = 0; i < 10; i++) if (buf[off + i] !== 0) return false;
  return buf[off + 10] === 0xff && buf[off + 11] === 0xff;
}

/** RFC 5952 text form: lower case, longest run of zero groups (>= 2) as "::". */
export function formatV6(buf: Buffer, off: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(buf.readUInt16BE(off + 2 * i));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

/** "1.2.3.4:80" or "[::1]:80" */
export function formatEndpoint(addr: string, port: number): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}
