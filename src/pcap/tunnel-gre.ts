// GRE (RFC 2784, key and sequence from RFC 2890, source routing from RFC 1701), enhanced GRE
// version 1 (PPTP, RFC 2637) carrying PPP, and ERSPAN types I, II and III carried in GRE.
import type { DecodeSkip } from './decode';
import type { Encapsulated } from './tunnel';

const GRE_C = 0x8000; // checksum (+ reserved1) present
const GRE_R = 0x4000; // routing present (RFC 1701; offset field present too)
const GRE_K = 0x2000; // key present
const GRE_S = 0x1000; // sequence number present
const GRE_A = 0x0080; // version 1: acknowledgment number present

const ETH_ERSPAN_2 = 0x88be; // ERSPAN type I (no sequence) or II
const ETH_ERSPAN_3 = 0x22eb;
const ETH_PPP = 0x880b;
const ETHERTYPE_TEB = 0x6558;

export function decapGre(f: Buffer, off: number, end: number): Encapsulated | DecodeSkip {
  if (end < off + 4) return 'truncated';
  const flags = f.readUInt16BE(off);
  const proto = f.readUInt16BE(off + 2);
  const version = flags & 0x7;
  let p = off + 4;
  if (version === 0) {
    if (flags & (GRE_C | GRE_R)) p += 4;
    if (flags & GRE_K) p += 4;
    if (flags & GRE_S) p += 4;
    if (flags & GRE_R) {
      // Source route entries: family(2) offset(1) length(1) data; ends with family 0, length 0.
      for (let n = 0; ; n++) {
        if (end < p + 4 || n > 64) return 'truncated';
        const len = f[p + 3];
        const fam = f.readUInt16BE(p);
        p += 4 + len;
        if (fam === 0 && len === 0) break;
      }
    }
  } else if (version === 1) {
    // Enhanced GRE: only PPP, key always present (payload length + call id), no checksum/routing.
    if (proto !== ETH_PPP || !(flags & GRE_K) || flags & (GRE_C | GRE_R)) return 'bad-tunnel-header';
    p += 4;
    if (flags & GRE_S) p += 4;
    if (flags & GRE_A) p += 4;
  } else {
    return 'bad-tunnel-header';
  }
  if (end < p) return 'truncated';
  switch (proto) {
    case ETH_ERSPAN_2:
      // Type II has the sequence bit and an 8-byte header (version 1); type I has neither.
      if (!(flags & GRE_S)) return { ethertype: ETHERTYPE_TEB, off: p };
      if (end < p + 8) return 'truncated';
      if (f[p] >> 4 !== 1) return 'bad-tunnel-header';
      return { ethertype: ETHERTYPE_TEB, off: p + 8 };
    case ETH_ERSPAN_3: {
      if (end < p + 12) return 'truncated';
      if (f[p] >> 4 !== 2) return 'bad-tunnel-header';
      const last = f.readUInt16BE(p + 10);
      const frameType = (last >> 10) & 0x1f; // 0: Ethernet, 2: IP
      const sub = last & 1 ? 8 : 0; // optional platform-specific subheader
      if (frameType === 0) return { ethertype: ETHERTYPE_TEB, off: p + 12 + sub };
      if (frameType === 2 && end > p + 12 + sub) {
        return { ethertype: f[p + 12 + sub] >> 4 === 6 ? 0x86dd : 0x0800, off: p + 12 + sub };
      }
      return 'bad-tunnel-header';
    }
    case ETH_PPP: {
      // PPP in HDLC-like framing: optional address/control 0xff 0x03, then a 1- or 2-byte protocol.
      if (end >= p + 2 && f[p] === 0xff && f[p + 1] === 0x03) p += 2;
      if (end < p + 1) return 'truncated';
      let pppProto = f[p];
      if (pppProto & 1) p += 1; // compressed protocol field
      else {
        if (end < p + 2) return 'truncated';
        pppProto = f.readUInt16BE(p);
        p += 2;
      }
      if (pppProto === 0x21) return { ethertype: 0x0800, off: p };
      if (pppProto === 0x57) return { ethertype: 0x86dd, off: p };
      return 'not-ip';
    }
    default:
      return { ethertype: proto, off: p };
  }
}
