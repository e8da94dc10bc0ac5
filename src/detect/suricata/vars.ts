// Rule header addresses and ports: parsing, variables (Suricata's default config values), matching.
// Addresses stay symbolic ($HOME_NET) so a sensor can bind HOME_NET/EXTERNAL_NET per flow.
import * as net from 'net';
import type { AddrExpr, PortSet } from './types';
import { RuleSyntaxError } from './bytes';

/** Suricata's default suricata.yaml address-groups. */
export const DEFAULT_ADDRESS_VARS: Readonly<Record<string, string>> = {
  HOME_NET: '[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]',
  EXTERNAL_NET: '!$HOME_NET',
  HTTP_SERVERS: '$HOME_NET',
  SMTP_SERVERS: '$HOME_NET',
  SQL_SERVERS: '$HOME_NET',
  DNS_SERVERS: '$HOME_NET',
  TELNET_SERVERS: '$HOME_NET',
  AIM_SERVERS: '$EXTERNAL_NET',
  DC_SERVERS: '$HOME_NET',
  DNP3_SERVER: '$HOME_NET',
  DNP3_CLIENT: '$HOME_NET',
  MODBUS_CLIENT: '$HOME_NET',
  MODBUS_SERVER: '$HOME_NET',
  ENIP_CLIENT: '$HOME_NET',
  ENIP_SERVER: '$HOME_NET',
};

/** Suricata's default suricata.yaml port-groups. */
export const DEFAULT_PORT_VARS: Readonly<Record<string, string>> = {
  HTTP_PORTS: '80',
  SHELLCODE_PORTS: '!80',
  ORACLE_PORTS: '1521',
  SSH_PORTS: '22',
  DNP3_PORTS: '20000',
  MODBUS_PORTS: '502',
  FILE_DATA_PORTS: '[$HTTP_PORTS,110,143]',
  FTP_PORTS: '21',
  GENEVE_PORTS: '6081',
  VXLAN_PORTS: '4789',
  TEREDO_PORTS: '3544',
};

export interface IpValue {
  family: 4 | 6;
  v: bigint;
  /** IPv4 as an unsigned number: matching without BigInt on the hot path. */
  n?: number;
}

export function parseIp(s: string): IpValue | undefined {
  const fam = net.isIP(s);
  if (fam === 4) {
    const p = s.split('.').map(Number);
    const n = ((p[0] << 24) >>> 0) + (p[1] << 16) + (p[2] << 8) + p[3];
    return { family: 4, v: BigInt(n), n };
  }
  if (fam === 6) {
    let t = s;
    const v4tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(t);
    if (v4tail) {
      const p = v4tail[1].split('.').map(Number);
      t = t.slice(0, -v4tail[1].length) + ((p[0] << 8) | p[1]).toString(16) + ':' + ((p[2] << 8) | p[3]).toString(16);
    }
    const [head, tail] = t.includes('::') ? t.split('::') : [t, undefined];
    const hs = head ? head.split(':') : [];
    const ts = tail !== undefined && tail !== '' ? tail.split(':') : [];
    const fill = tail === undefined ? [] : new Array(8 - hs.length - ts.length).fill('0');
    const all = [...hs, ...fill, ...ts];
    let v = 0n;
    for (const g of all) v = (v << 16n) | BigInt(parseInt(g || '0', 16));
    // ::ffff:a.b.c.d is matched as IPv4, as the kernel reports mapped addresses.
    if (v >> 32n === 0xffffn) return { family: 4, v: v & 0xffffffffn, n: Number(v & 0xffffffffn) };
    return { family: 6, v };
  }
  return undefined;
}

/** Splits a bracketed list on top-level commas. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '[') depth++;
    if (ch === ']') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

export function parseAddr(spec: string): AddrExpr {
  const s = spec.trim();
  if (!s) throw new RuleSyntaxError('empty address');
  if (s === 'any') return { t: 'any' };
  if (s.startsWith('!')) return { t: 'not', e: parseAddr(s.slice(1)) };
  if (s.startsWith('[')) {
    if (!s.endsWith(']')) throw new RuleSyntaxError(`unbalanced brackets in address "${spec}"`);
    return { t: 'list', items: splitTop(s.slice(1, -1)).map(parseAddr) };
  }
  if (s.startsWith('$')) return { t: 'var', name: s.slice(1) };
  const dash = s.indexOf('-');
  if (dash > 0 && !s.includes('/')) {
    const lo = parseIp(s.slice(0, dash));
    const hi = parseIp(s.slice(dash + 1));
    if (!lo || !hi || lo.family !== hi.family) throw new RuleSyntaxError(`invalid address range "${spec}"`);
    return { t: 'range', family: lo.family, lo: lo.v, hi: hi.v };
  }
  const slash = s.indexOf('/');
  const ip = parseIp(slash >= 0 ? s.slice(0, slash) : s);
  if (!ip) throw new RuleSyntaxError(`invalid address "${spec}"`);
  const width = ip.family === 4 ? 32 : 128;
  let bits = width;
  if (slash >= 0) {
    const m = s.slice(slash + 1);
    if (/^\d+$/.test(m)) bits = Number(m);
    else {
      const mask = parseIp(m);
      if (!mask || mask.family !== ip.family) throw new RuleSyntaxError(`invalid netmask in "${spec}"`);
      bits = mask.v.toString(2).replace(/0+$/, '').length;
      if (mask.v === 0n) bits = 0;
    }
    if (bits > width) throw new RuleSyntaxError(`invalid prefix length in "${spec}"`);
  }
  const shift = BigInt(width - bits);
  const net = (ip.v >> shift) << shift;
  if (ip.family === 4) return { t: 'cidr', family: 4, net, bits, n4: Number(net), m4: bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0 };
  return { t: 'cidr', family: ip.family, net, bits };
}

/** Address variables, layered: per-flow bindings over the configured values over the defaults. */
export class AddressEnv {
  private readonly cache = new Map<string, AddrExpr>();
  constructor(
    private readonly vars: Readonly<Record<string, string>>,
    private readonly parent?: AddressEnv,
  ) {}

  has(name: string): boolean {
    return name in this.vars || (this.parent?.has(name) ?? false);
  }

  resolve(name: string): AddrExpr | undefined {
    const hit = this.cache.get(name);
    if (hit) return hit;
    if (name in this.vars) {
      const e = parseAddr(this.vars[name]);
      this.cache.set(name, e);
      return e;
    }
    return this.parent?.resolve(name);
  }

  /** A child environment with some variables rebound (e.g. HOME_NET for one flow). */
  bind(vars: Readonly<Record<string, string>>): AddressEnv {
    return new AddressEnv(vars, this);
  }
}

export function matchAddr(e: AddrExpr, ip: IpValue, env: AddressEnv, depth = 0): boolean {
  if (depth > 32) return false;
  switch (e.t) {
    case 'any':
      return true;
    case 'cidr': {
      if (e.family !== ip.family) return false;
      if (ip.n !== undefined && e.n4 !== undefined) return ((ip.n & e.m4!) >>> 0) === e.n4;
      const shift = BigInt((e.family === 4 ? 32 : 128) - e.bits);
      return (ip.v >> shift) << shift === e.net;
    }
    case 'range':
      return e.family === ip.family && ip.v >= e.lo && ip.v <= e.hi;
    case 'var': {
      // A variable's own value resolves from the root, so `EXTERNAL_NET: !$HOME_NET` follows a rebound HOME_NET.
      const v = env.resolve(e.name);
      return v ? matchAddr(v, ip, env, depth + 1) : false;
    }
    case 'not':
      return !matchAddr(e.e, ip, env, depth + 1);
    case 'list': {
      let anyPos = false;
      let posHit = false;
      for (const it of e.items) {
        if (it.t === 'not') {
          if (matchAddr(it.e, ip, env, depth + 1)) return false;
        } else {
          anyPos = true;
          if (!posHit && matchAddr(it, ip, env, depth + 1)) posHit = true;
        }
      }
      return !anyPos || posHit;
    }
  }
}

/** Variables an address expression names (checked at load time). */
export function addrVars(e: AddrExpr, out: string[] = []): string[] {
  if (e.t === 'var') out.push(e.name);
  else if (e.t === 'not') addrVars(e.e, out);
  else if (e.t === 'list') for (const i of e.items) addrVars(i, out);
  return out;
}

export function parsePorts(spec: string, portVars: Readonly<Record<string, string>>, depth = 0): PortSet {
  if (depth > 16) throw new RuleSyntaxError(`port variable recursion in "${spec}"`);
  const s = spec.trim();
  if (s === 'any') return { any: true, include: [], exclude: [] };
  if (s.startsWith('!')) {
    const inner = parsePorts(s.slice(1), portVars, depth + 1);
    if (inner.any) throw new RuleSyntaxError(`port "${spec}" matches nothing`);
    return { any: true, include: [], exclude: inner.include };
  }
  if (s.startsWith('$')) {
    const v = portVars[s.slice(1)];
    if (v === undefined) throw new RuleSyntaxError(`undefined port variable ${s}`);
    return parsePorts(v, portVars, depth + 1);
  }
  if (s.startsWith('[')) {
    if (!s.endsWith(']')) throw new RuleSyntaxError(`unbalanced brackets in ports "${spec}"`);
    const out: PortSet = { any: false, include: [], exclude: [] };
    let positives = 0;
    for (const part of splitTop(s.slice(1, -1))) {
      const p = parsePorts(part, portVars, depth + 1);
      if (part.startsWith('!')) out.exclude.push(...p.exclude);
      else {
        positives++;
        if (p.any) out.any = true;
        out.include.push(...p.include);
        out.exclude.push(...p.exclude);
      }
    }
    if (positives === 0) out.any = true;
    return out;
  }
  const m = /^(\d*)(:?)(\d*)$/.exec(s);
  if (!m || (!m[1] && !m[3])) throw new RuleSyntaxError(`invalid port "${spec}"`);
  const lo = m[1] ? Number(m[1]) : 0;
  const hi = m[2] ? (m[3] ? Number(m[3]) : 65535) : lo;
  if (lo > 65535 || hi > 65535 || lo > hi) throw new RuleSyntaxError(`invalid port "${spec}"`);
  return { any: false, include: [[lo, hi]], exclude: [] };
}

export function matchPort(p: PortSet, port: number): boolean {
  for (const [lo, hi] of p.exclude) if (port >= lo && port <= hi) return false;
  if (p.any) return true;
  for (const [lo, hi] of p.include) if (port >= lo && port <= hi) return true;
  return false;
}

/**
 * Splits configured variables (`{ HOME_NET: '[10.0.0.0/8]', HTTP_PORTS: '[80,8080]' }`, names with
 * or without `$`) into address and port variables: port variables are Suricata's port-group names
 * and anything ending in _PORT or _PORTS.
 */
export function splitVariables(vars: Readonly<Record<string, string>>): { addressVars: Record<string, string>; portVars: Record<string, string> } {
  const addressVars: Record<string, string> = {};
  const portVars: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars)) {
    const name = k.replace(/^\$/, '');
    if (name in DEFAULT_PORT_VARS || /_PORTS?$/.test(name)) portVars[name] = v;
    else addressVars[name] = v;
  }
  return { addressVars, portVars };
}
