// Shared parsing of the trailing options of byte_test/byte_jump/byte_extract.
import { parseIntStrict, RuleSyntaxError } from '../bytes';

export interface ByteOptions {
  relative: boolean;
  bigEndian: boolean;
  string?: 'dec' | 'hex' | 'oct';
  align: boolean;
  fromBeginning: boolean;
  fromEnd: boolean;
  multiplier: number;
  postOffset: number;
  bitmask?: number;
  alignN: number;
}

export function parseByteOptions(opts: string[], kw: string, allowed: Set<string>): ByteOptions {
  const o: ByteOptions = { relative: false, bigEndian: true, align: false, fromBeginning: false, fromEnd: false, multiplier: 1, postOffset: 0, alignN: 0 };
  let sawString = false;
  for (const raw of opts) {
    const [k, val] = raw.split(/\s+/, 2);
    if (!allowed.has(k)) throw new RuleSyntaxError(`${kw}: unknown option ${raw}`);
    switch (k) {
      case 'relative':
        o.relative = true;
        break;
      case 'big':
        o.bigEndian = true;
        break;
      case 'little':
        o.bigEndian = false;
        break;
      case 'dce':
        o.bigEndian = false; // DCE/RPC data representation: little endian for the cases we meet.
        break;
      case 'string':
        sawString = true;
        o.string = 'dec';
        break;
      case 'dec':
      case 'hex':
      case 'oct':
        o.string = k;
        break;
      case 'align':
        if (val !== undefined) o.alignN = parseIntStrict(val, `${kw} align`);
        o.align = true;
        break;
      case 'from_beginning':
        o.fromBeginning = true;
        break;
      case 'from_end':
        o.fromEnd = true;
        break;
      case 'multiplier':
        o.multiplier = parseIntStrict(val ?? '', `${kw} multiplier`);
        break;
      case 'post_offset':
        o.postOffset = parseIntStrict(val ?? '', `${kw} post_offset`);
        break;
      case 'bitmask':
        o.bitmask = parseIntStrict(val ?? '', `${kw} bitmask`);
        break;
    }
  }
  if (o.string && !sawString) throw new RuleSyntaxError(`${kw}: ${o.string} needs string`);
  return o;
}
