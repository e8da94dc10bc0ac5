// @ipMatch: the input address is in one of the comma-separated IPv4/IPv6 addresses or CIDRs.
// @ipMatchFromFile (alias @ipMatchF): the list comes from a file. Example:
//   SecRule REMOTE_ADDR "@ipMatch 127.0.0.1,::1" ...
import * as net from 'net';
import { registerOperator } from './registry';
import { readDataFile } from './pm-from-file';

export function ipList(entries: string[]): net.BlockList {
  const list = new net.BlockList();
  for (const raw of entries) {
    const e = raw.trim();
    if (e === '') continue;
    const [addr, bits] = e.split('/');
    const type = net.isIPv6(addr) ? 'ipv6' : 'ipv4';
    if (!net.isIP(addr)) throw new Error(`bad IP address "${e}"`);
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(bits), type);
  }
  return list;
}

function ipOperator(name: string, arg: string, list: net.BlockList) {
  return {
    name,
    arg,
    evaluate(_tx: unknown, v: { s: string }) {
      const kind = net.isIP(v.s);
      if (kind === 0) return false;
      return list.check(v.s, kind === 6 ? 'ipv6' : 'ipv4');
    },
  };
}

registerOperator('ipMatch', (arg) => ipOperator('ipMatch', arg, ipList(arg.split(','))));
const fromFile = (arg: string, ctx: { dir: string }) => ipOperator('ipMatchFromFile', arg, ipList(readDataFile(ctx.dir, arg.trim())));
registerOperator('ipMatchFromFile', fromFile);
registerOperator('ipMatchF', fromFile);
