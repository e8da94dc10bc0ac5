// Removes secrets from what an incident keeps: header values (Authorization, Cookie...), and values of
// fields named like password/token/secret in query strings, urlencoded, JSON and multipart bodies.
// The values it removed are remembered per transaction so the same bytes are also removed from the
// `matched` text of rules that fired on them.
import type { ProctapConfig } from '../config/types';
import type { IncidentHeader } from './types';

type RedactionConfig = ProctapConfig['redaction'];

export class Redactor {
  private readonly headers: Set<string>;
  private readonly fields: string[];
  readonly replacement: string;
  readonly enabled: boolean;
  /** Secret values seen in this transaction (latin1 text), longest first when applied. */
  private readonly secrets = new Set<string>();

  constructor(cfg: RedactionConfig) {
    this.enabled = cfg.enabled;
    this.headers = new Set(cfg.headers.map((h) => h.toLowerCase()));
    this.fields = cfg.body_fields.map((f) => f.toLowerCase());
    this.replacement = cfg.replacement;
  }

  isSecretHeader(name: string): boolean {
    return this.enabled && this.headers.has(name.toLowerCase());
  }

  isSecretField(name: string): boolean {
    if (!this.enabled) return false;
    const n = name.toLowerCase();
    return this.fields.some((f) => n.includes(f));
  }

  private remember(v: string): void {
    // Very short values (e.g. "1") would blank unrelated text in matched data.
    if (v.length >= 3) this.secrets.add(v);
  }

  headerList(headers: readonly IncidentHeader[]): IncidentHeader[] {
    return headers.map((h) => {
      if (!this.isSecretHeader(h.name)) return { name: h.name, value: h.value };
      this.remember(h.value);
      // Cookie values are also secret one by one (a rule may match a single cookie).
      for (const part of h.value.split(/[;,]/)) {
        const eq = part.indexOf('=');
        if (eq > 0) this.remember(part.slice(eq + 1).trim());
      }
      const scheme = /^(Basic|Bearer|Digest|Negotiate|NTLM)\s/i.exec(h.value);
      return { name: h.name, value: scheme ? `${scheme[1]} ${this.replacement}` : this.replacement };
    });
  }

  /** `a=1&password=x` style text (query strings and form bodies). */
  urlencoded(text: string): string {
    if (!this.enabled) return text;
    return text.replace(/(^|[&;?])([^=&;#]*)=([^&;#]*)/g, (all, sep: string, name: string, value: string) => {
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        /* keep raw */
      }
      if (!this.isSecretField(decoded) || value === '') return all;
      this.remember(value);
      try {
        this.remember(decodeURIComponent(value.replace(/\+/g, ' ')));
      } catch {
        /* raw only */
      }
      return `${sep}${name}=${encodeURIComponent(this.replacement)}`;
    });
  }

  /** The query part of a request target. */
  uri(uri: string): string {
    const q = uri.indexOf('?');
    if (q < 0 || !this.enabled) return uri;
    return uri.slice(0, q + 1) + this.urlencoded(uri.slice(q + 1));
  }

  /**
   * JSON text, also when cut short by a cap: `"name": value` pairs are rewritten in place, so the
   * layout is kept and nothing needs to parse.
   */
  json(text: string): string {
    if (!this.enabled) return text;
    return text.replace(
      /"((?:[^"\\]|\\.)*)"(\s*:\s*)("(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*|true|false)/g,
      (all, name: string, colon: string, value: string) => {
        if (!this.isSecretField(name)) return all;
        this.remember(value.startsWith('"') ? value.slice(1, -1) : value);
        return `"${name}"${colon}${JSON.stringify(this.replacement)}`;
      },
    );
  }

  /** multipart/form-data parts whose field name is secret. */
  multipart(text: string): string {
    if (!this.enabled) return text;
    return text.replace(
      /(Content-Disposition:[^\r\n]*\bname="([^"]*)"[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*\r?\n)([\s\S]*?)(?=\r?\n--)/gi,
      (all, head: string, name: string, value: string) => {
        if (!this.isSecretField(name)) return all;
        this.remember(value);
        return head + this.replacement;
      },
    );
  }

  /** A body, by its content type (sniffed when absent). Works on latin1 text, byte for byte. */
  body(body: Buffer, contentType: string | undefined): Buffer {
    if (!this.enabled || body.length === 0) return body;
    const ct = (contentType ?? '').toLowerCase();
    let text = body.toString('latin1');
    if (ct.includes('multipart/form-data')) text = this.multipart(text);
    else if (ct.includes('json')) text = this.json(text);
    else if (ct.includes('x-www-form-urlencoded')) text = this.urlencoded(text);
    else {
      const t = text.trimStart();
      if (t.startsWith('{') || t.startsWith('[')) text = this.json(text);
      else if (/^[^=&\s]+=[^&\s]*(&|$)/.test(t)) text = this.urlencoded(text);
    }
    return Buffer.from(text, 'latin1');
  }

  /**
   * A command-line argument: secret values seen in the traffic are removed, and so is the value of
   * `--password=x`, `token=x`, `Authorization: x` style arguments whose name is a secret field or header.
   */
  argument(arg: string): string {
    if (!this.enabled) return arg;
    const m = /^(-{0,2}([A-Za-z0-9_.-]+)\s*[=:]\s*)(.+)$/s.exec(arg);
    if (m && (this.isSecretField(m[2]) || this.isSecretHeader(m[2]))) return m[1] + this.replacement;
    return this.matched('', arg);
  }

  /** Matched data of a rule: removed wholesale when its target is secret, else secret values removed from it. */
  matched(target: string, matched: string): string {
    if (!this.enabled) return matched;
    const t = target.toLowerCase();
    const colon = t.indexOf(':');
    const coll = colon >= 0 ? t.slice(0, colon) : t;
    const key = colon >= 0 ? target.slice(colon + 1) : '';
    if (coll.includes('cookie') || t === 'http.cookie') return this.replacement;
    if ((coll === 'request_headers' || coll === 'response_headers') && this.isSecretHeader(key)) return this.replacement;
    if (/^args|^request_body|^files/.test(coll) && key && this.isSecretField(key)) return this.replacement;
    let out = matched;
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) {
      if (out.includes(s)) out = out.split(s).join(this.replacement);
    }
    return out;
  }
}
