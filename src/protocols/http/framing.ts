// Body framing of a message from its headers (RFC 9112 section 6): Transfer-Encoding over
// Content-Length, with every ambiguity that request smuggling relies on flagged.
import { anomaly, type HttpMessage } from './message';
import { normalizeName, stripControls } from './header-block';

/** Decides body framing from Transfer-Encoding and Content-Length, flagging ambiguities. */
export function frameBody(m: HttpMessage): void {
  let te: string | undefined;
  let teCount = 0;
  const cls: string[] = [];
  for (const h of m.headers) {
    const n = m.oddNames ? normalizeName(h.name) : h.name;
    if (n.length === 17 && n.toLowerCase() === 'transfer-encoding') {
      const v = stripControls(h.value);
      te = te === undefined ? v : `${te}, ${v}`;
      teCount++;
    } else if (n.length === 14 && n.toLowerCase() === 'content-length') {
      cls.push(h.value);
    }
  }
  let cl = -1;
  if (cls.length > 0) {
    const values = cls.flatMap((v) => v.split(',')).map((v) => v.trim());
    if (values.length > 1) {
      const differ = values.some((v) => v !== values[0]);
      anomaly(m, 'multiple_content_length', differ ? `conflicting values ${values.slice(0, 4).join(' / ')}` : `repeated value ${values[0]}`);
    }
    const v = values[0];
    if (/^[0-9]{1,15}$/.test(v)) cl = Number(v);
    else anomaly(m, 'invalid_content_length', `Content-Length ${JSON.stringify(v.slice(0, 40))}`);
  }
  m.contentLength = cl;
  if (te !== undefined) {
    if (teCount > 1) anomaly(m, 'invalid_transfer_encoding', 'several Transfer-Encoding headers');
    const codings = te
      .toLowerCase()
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    const last = codings[codings.length - 1];
    if (cls.length > 0) anomaly(m, 'cl_te_conflict', `Transfer-Encoding ${JSON.stringify(te.slice(0, 40))} with Content-Length ${JSON.stringify(cls[0].slice(0, 20))}`);
    if (last === 'chunked') {
      if (codings.indexOf('chunked') !== codings.length - 1) anomaly(m, 'invalid_transfer_encoding', 'chunked applied twice');
      m.framing = 'chunked';
      return;
    }
    if (codings.some((c) => c.includes('chunked'))) {
      anomaly(m, 'invalid_transfer_encoding', `Transfer-Encoding ${JSON.stringify(te.slice(0, 40))}`);
      m.framing = 'chunked';
      return;
    }
    if (!(codings.length === 1 && codings[0] === 'identity')) {
      anomaly(m, 'invalid_transfer_encoding', `Transfer-Encoding ${JSON.stringify(te.slice(0, 40))} without chunked`);
    }
    // A response without chunked last is read until close (RFC 9112 6.3); a request falls back.
    if (!m.isRequest) {
      m.framing = 'until-close';
      return;
    }
  }
  if (cl >= 0) {
    m.framing = 'content-length';
    return;
  }
  if (cls.length > 0 && !m.isRequest) {
    m.framing = 'until-close';
    return;
  }
  m.framing = m.isRequest ? 'none' : 'until-close';
}
