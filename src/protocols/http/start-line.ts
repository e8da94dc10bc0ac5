// HTTP/1.x start lines: request lines (method, target, version; URIs with spaces, missing
// protocol) and status lines, each oddity recorded as an anomaly.
import { isKnownMethod } from './methods';
import { anomaly, type HttpMessage } from './message';
import * as bytes from './bytes';

// Local bindings: hot loops must not go through import bindings (getters once transpiled).
const { SP, HT, isTokenByte, latin1, isHttpSlash } = bytes;

/** Request line at a[s, e) (no CRLF) into m.method, m.uri, m.version. */
export function parseRequestLine(m: HttpMessage, a: Buffer, s: number, e: number): void {
  let i = s;
  while (i < e && a[i] !== SP && a[i] !== HT) i++;
  m.method = latin1(a, s, i);
  let validToken = i > s;
  for (let k = s; k < i; k++) {
    if (!isTokenByte(a[k])) {
      validToken = false;
      break;
    }
  }
  if (!validToken) anomaly(m, 'invalid_method', `method ${JSON.stringify(m.method.slice(0, 40))}`);
  else if (!isKnownMethod(m.method)) anomaly(m, 'unknown_method', `method ${m.method.slice(0, 40)}`);
  while (i < e && (a[i] === SP || a[i] === HT)) i++;
  let j = e;
  while (j > i && (a[j - 1] === SP || a[j - 1] === HT)) j--;
  if (i >= j) {
    anomaly(m, 'invalid_request_line', 'no request target');
    return;
  }
  // The protocol is the last word when it starts with HTTP/; URIs may contain spaces.
  let k = j;
  while (k > i && a[k - 1] !== SP && a[k - 1] !== HT) k--;
  if (k > i && j - k >= 5 && isHttpSlash(a, k)) {
    m.version = latin1(a, k, j);
    let u = k;
    while (u > i && (a[u - 1] === SP || a[u - 1] === HT)) u--;
    m.uri = latin1(a, i, u);
    if (m.uri.includes(' ')) anomaly(m, 'invalid_request_line', 'space inside the request target');
    if (!/^HTTP\/\d\.\d$/.test(m.version)) anomaly(m, 'invalid_request_line', `protocol ${m.version.slice(0, 20)}`);
  } else {
    m.uri = latin1(a, i, j);
    anomaly(m, 'missing_protocol', 'request line without HTTP version');
  }
}

/** Status line at a[s, e) into m.version, m.status, m.reason. */
export function parseStatusLine(m: HttpMessage, a: Buffer, s: number, e: number): void {
  let i = s;
  while (i < e && a[i] !== SP && a[i] !== HT) i++;
  m.version = latin1(a, s, i);
  if (!isHttpSlash(a, s)) anomaly(m, 'invalid_status_line', `protocol ${JSON.stringify(m.version.slice(0, 20))}`);
  while (i < e && (a[i] === SP || a[i] === HT)) i++;
  let st = 0;
  let digits = 0;
  while (i < e && a[i] >= 48 && a[i] <= 57 && digits < 4) {
    st = st * 10 + (a[i] - 48);
    i++;
    digits++;
  }
  if (digits !== 3) anomaly(m, 'invalid_status_line', 'status is not three digits');
  m.status = digits === 3 ? st : 0;
  while (i < e && (a[i] === SP || a[i] === HT)) i++;
  m.reason = latin1(a, i, e);
}
