// @ipMatch: the input address is in one of the comma-separated IPv4/IPv6 addresses or CIDRs.
// @ipMatchFromFile (alias @ipMatchF): the list comes from a file. Example:
//   SecRule REMOTE_ADDR "@ipMatch 127.0.0.1,::1" ...
// Addresses are parsed into 16-byte form once; a check is a few byte comparisons (it runs on
// every request: CRS tests REMOTE_ADDR early).
import * as net from 'net';
import { registerOperator } from './registry';
import { readDataFile } from './pm-from-file';

interface Net { bytes: Uint8Array; bits: number }

/** 16-byte form of an address (IPv4 as ::ffff:a.b.c.d), or undefined. */
function toBytes(addr: string): Uint8Array | undefined {
  const kind = net.isIP(addr);
  if (kind === 0) return undefined;
  const out = new Uint8Array(16);
  if (kind === 4) {
    out[10] = 0xff;
    out[11] = 0xff;
    addr.split('.').forEach((p, i) => { out[12 + i] = Number(p); });
    return out;
  }
  let a = addr;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  let tail: number[] = [];
  if (v4) {
    tail = v4[1].split('.').map(Number);
    a = a.slice(0, -v4[1].length) + '0:0';
  }
  const [head, rest] = a.split('::');
  const h = head === '' ? [] : head.split(':');
  const r = rest === undefined ? [] : rest === '' ? [] : rest.split(':');
  const groups = rest === undefined ? h : [...h, ...new Array(8 - h.length - r.length).fill('0'), ...r];
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  if (v4) tail.forEach((b, i) => { out[12 + i] = b; });
  return out;
}

export function parseNets(entries: string[]): Net[] {
  const nets: Net[] = [];
  for (const raw of entries) {
    const e = raw.trim();
    if (e === '') continue;
    const [addr, bitsText] = e.split('/');
    const bytes = toBytes(addr);
    if (!bytes) throw new Error(`bad IP address "${e}"`);
    const max = net.isIPv4(addr) ? 32 : 128;
    const bits = bitsText === undefined ? max : Number(bitsText);
    if (!Number.isInteger(bits) || bits < 0 || bits > max) throw new Error(`bad prefix length in "${e}"`);
    nets.push({ bytes, bits: max === 32 ? bits + 96 : bits });
  }
  return nets;
}

function inNet(a: Uint8Array, n: Net): boolean {
  let bits = n.bits;
  for (let i = 0; i < 16 && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((a[i] & mask) !== (n.bytes[i] & mask)) return false;
  }
  return true;
}

function ipOperator(name: string, arg: string, nets: Net[]) {
  return {
    name,
    arg,
    evaluate(_tx: unknown, v: { s: string }) {
      const a = toBytes(v.s);
      if (!a) return false;
      for (const n of nets) if (inNet(a, n)) return true;
      return false;
    },
  };
}

registerOperator('ipMatch', (arg) => ipOperator('ipMatch', arg, parseNets(arg.split(','))));
const fromFile = (arg: string, ctx: { dir: string }) => ipOperator('ipMatchFromFile', arg, parseNets(readDataFile(ctx.dir, arg.trim())));
registerOperator('ipMatchFromFile', fromFile);
registerOperator('ipMatchF', fromFile);
