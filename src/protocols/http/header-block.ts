// Header lines -> headers, as lenient clients and servers read them (folding, bare CR line breaks,
// colon-less continuation lines), each oddity flagged; and case-insensitive header lookup.
import type { HttpHeader } from './types';
import { anomaly, EMPTY, type HttpMessage } from './message';
import * as bytes from './bytes';

// Local bindings: hot loops must not go through import bindings (getters once transpiled).
const { SP, HT, COLON, CR, isTokenByte, latin1, trimmed, looksLikeHeaderAt, nextLineStart } = bytes;

/**
 * Header lines -> headers. Besides RFC 9112 syntax this accepts what common servers and
 * browsers accept (each case also flagged as an anomaly, since evasions live here):
 * obs-fold continuation lines join the previous line, unless the continuation itself reads as
 * "Name: value" (then it is a header of its own); a bare CR followed by "Name:" starts a new
 * line; a line without a colon continues the previous header's value.
 */
export function buildHeaders(m: HttpMessage, a: Buffer, L: number[], accLen: number): HttpHeader[] {
  const headers: HttpHeader[] = [];
  const st: BlockState = { pending: undefined };
  let crScan = L.length > 2 ? a.indexOf(CR, L[2]) : -1;
  for (let li = 2; li < L.length; li += 2) {
    let s = L[li];
    const e = L[li + 1];
    while (crScan !== -1 && crScan < s) crScan = a.indexOf(CR, s);
    while (s < e) {
      // Split at a bare CR that is followed by something that reads as a new header.
      let segEnd = e;
      if (crScan !== -1 && crScan < e) {
        anomaly(m, 'bare_cr', 'CR inside a header line');
        let k = crScan;
        while (k < e && a[k] === CR) k++;
        if (k < e && isTokenByte(a[k]) && looksLikeHeaderAt(a, k, e)) {
          segEnd = crScan;
          crScan = a.indexOf(CR, k);
          if (segEnd > s) headerSegment(st, m, a, headers, s, segEnd);
          s = k;
          continue;
        }
        crScan = a.indexOf(CR, k);
      }
      headerSegment(st, m, a, headers, s, segEnd);
      s = segEnd;
    }
  }
  flushPending(st, m, headers);
  m.headers = headers;
  m.rawHeaders = L.length > 2 || accLen > L[1] ? a.subarray(nextLineStart(a, L[1], accLen), accLen) : EMPTY;
  return headers;
}

interface BlockState {
  /** A colon-less header line waiting to see whether a continuation line completes it. */
  pending: string | undefined;
}

function flushPending(st: BlockState, m: HttpMessage, headers: HttpHeader[]): void {
  if (st.pending === undefined) return;
  const t = st.pending;
  st.pending = undefined;
  const c = t.indexOf(':');
  if (c > 0) {
    addHeaderText(m, headers, t.slice(0, c), t.slice(c + 1));
    return;
  }
  anomaly(m, 'invalid_header', `header line without colon: ${JSON.stringify(t.slice(0, 40))}`);
  if (headers.length > 0) {
    const prev = headers[headers.length - 1];
    const v = t.replace(/^[ \t]+|[ \t]+$/g, '');
    prev.value = prev.value ? `${prev.value} ${v}` : v;
  }
}

function headerSegment(st: BlockState, m: HttpMessage, a: Buffer, headers: HttpHeader[], s: number, e: number): void {
  if (a[s] === SP || a[s] === HT) {
    anomaly(m, 'header_folding', 'folded header line');
    let t = s;
    while (t < e && (a[t] === SP || a[t] === HT)) t++;
    if (t < e && isTokenByte(a[t]) && looksLikeHeaderAt(a, t, e)) {
      // Reads as a header of its own: take it as one (what browsers do).
      flushPending(st, m, headers);
      addHeader(m, a, headers, t, e);
      return;
    }
    const v = trimmed(a, s, e);
    if (st.pending !== undefined) {
      st.pending = `${st.pending} ${v}`;
      return;
    }
    if (headers.length > 0) {
      const prev = headers[headers.length - 1];
      prev.value = prev.value ? `${prev.value} ${v}` : v;
    } else anomaly(m, 'invalid_header', 'folded line before any header');
    return;
  }
  flushPending(st, m, headers);
  const c = a.indexOf(COLON, s);
  if (c === -1 || c >= e) {
    st.pending = latin1(a, s, e);
    return;
  }
  addHeader(m, a, headers, s, e);
}

function addHeader(m: HttpMessage, a: Buffer, headers: HttpHeader[], s: number, e: number): void {
  let c = a.indexOf(COLON, s);
  let ne = c;
  if (a[ne - 1] === SP || a[ne - 1] === HT) {
    anomaly(m, 'invalid_header', `whitespace before colon in ${JSON.stringify(latin1(a, s, Math.min(c, s + 40)))}`);
    while (ne > s && (a[ne - 1] === SP || a[ne - 1] === HT)) ne--;
  }
  if (ne === s) anomaly(m, 'invalid_header', 'empty header name');
  const name = latin1(a, s, ne);
  for (let k = s; k < ne; k++) {
    if (!isTokenByte(a[k])) {
      anomaly(m, 'invalid_header', `invalid character in header name ${JSON.stringify(name.slice(0, 40))}`);
      m.oddNames = true;
      break;
    }
  }
  c++;
  headers.push({ name, value: trimmed(a, c, e) });
}

function addHeaderText(m: HttpMessage, headers: HttpHeader[], rawName: string, rawValue: string): void {
  const name = rawName.replace(/[ \t]+$/, '');
  if (name !== rawName) anomaly(m, 'invalid_header', `whitespace before colon in ${JSON.stringify(name.slice(0, 40))}`);
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) {
    anomaly(m, 'invalid_header', `invalid character in header name ${JSON.stringify(name.slice(0, 40))}`);
    m.oddNames = true;
  }
  headers.push({ name, value: rawValue.replace(/^[ \t]+|[ \t]+$/g, '') });
}

/** A header name with whitespace and control bytes removed (how lenient servers match names). */
export function normalizeName(n: string): string {
  return n.replace(/[\x00-\x20\x7f]+/g, '');
}

export function stripControls(v: string): string {
  return v.replace(/[\x00-\x08\x0a-\x1f\x7f]+/g, '');
}

/** Values of a header (case-insensitive; names normalised when the message had odd names). */
export function headerValues(m: Pick<HttpMessage, 'headers' | 'oddNames'>, lname: string): string[] {
  const out: string[] = [];
  for (const h of m.headers) {
    const n = m.oddNames ? normalizeName(h.name) : h.name;
    if (n.length === lname.length && n.toLowerCase() === lname) out.push(h.value);
  }
  return out;
}
