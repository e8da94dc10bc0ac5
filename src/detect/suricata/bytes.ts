// Byte helpers: Suricata content strings (`"abc|0d 0a|"`), ASCII lowercasing, numeric parsing.

export class RuleSyntaxError extends Error {}

/** Removes one pair of surrounding double quotes, if present. */
export function unquote(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) return t.slice(1, -1);
  return t;
}

/** Unescapes `\"`, `\;`, `\\`, `\:` as Suricata does for msg and other strings. */
export function unescapeText(v: string): string {
  return v.replace(/\\(["';:\\,|])/g, '$1');
}

/** Parses a content pattern body (without quotes) into bytes: `a|20 0d0a|b\"` -> bytes. */
export function parseContentBytes(body: string): Buffer {
  const out: number[] = [];
  let hex = false;
  let hexDigits = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (hex) {
      if (ch === '|') {
        if (hexDigits.length) throw new RuleSyntaxError(`odd number of hex digits in content "${body}"`);
        hex = false;
        continue;
      }
      if (ch === ' ' || ch === '\t') {
        if (hexDigits.length) throw new RuleSyntaxError(`odd number of hex digits in content "${body}"`);
        continue;
      }
      if (!/[0-9a-fA-F]/.test(ch)) throw new RuleSyntaxError(`invalid hex character '${ch}' in content "${body}"`);
      hexDigits += ch;
      if (hexDigits.length === 2) {
        out.push(parseInt(hexDigits, 16));
        hexDigits = '';
      }
      continue;
    }
    if (ch === '|') {
      hex = true;
      continue;
    }
    if (ch === '\\' && i + 1 < body.length) {
      const nx = body[i + 1];
      if (nx === '"' || nx === ';' || nx === '\\' || nx === ':' || nx === '|') {
        out.push(nx.charCodeAt(0));
        i++;
        continue;
      }
    }
    const code = ch.charCodeAt(0);
    if (code > 0xff) {
      for (const b of Buffer.from(ch, 'utf8')) out.push(b);
    } else out.push(code);
  }
  if (hex) throw new RuleSyntaxError(`unterminated hex block in content "${body}"`);
  return Buffer.from(out);
}

const LOWER = new Uint8Array(256);
for (let i = 0; i < 256; i++) LOWER[i] = i >= 65 && i <= 90 ? i + 32 : i;

/** ASCII lowercase copy (bytes >= 0x80 kept), as Suricata's nocase does. */
export function asciiLower(b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(b.length);
  for (let i = 0; i < b.length; i++) out[i] = LOWER[b[i]];
  return out;
}

/** True when any byte is >= 0x80. */
export function hasHighBytes(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] >= 0x80) return true;
  return false;
}

/** Parses an integer option value, with a clear error naming the keyword. */
export function parseIntStrict(v: string, what: string): number {
  const t = v.trim();
  if (!/^[-+]?(0x[0-9a-fA-F]+|\d+)$/.test(t)) throw new RuleSyntaxError(`${what}: invalid number "${v}"`);
  return Number(t.startsWith('0x') || t.startsWith('+0x') ? parseInt(t.replace('+', ''), 16) : parseInt(t, 10));
}

/** Splits a keyword argument list on commas, trimming parts. */
export function splitArgs(v: string): string[] {
  return v.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/** Latin1 text of bytes, capped, for alerts. */
export function evidenceText(b: Buffer, cap = 256): string {
  return b.subarray(0, cap).toString('latin1');
}
