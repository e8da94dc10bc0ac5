// Compiles SecLang patterns to RE2 once and memoizes them across rule sets (the same pattern in
// two rules or two CRS versions is one RE2 object). All matching runs on UTF-8 Buffers made from
// latin1 strings: each input byte becomes one code point, so RE2 sees exactly PCRE's byte view.
import RE2 from 're2';
import { pcreToRe2 } from './pcre-to-re2';

const memo = new Map<string, RE2 | Error>();

/** SecLang @rx semantics of ModSecurity v3: dot matches newline, ^/$ at line boundaries. */
export const RX_FLAGS = 'sm';

export function compileRegex(pattern: string, flags = RX_FLAGS): RE2 {
  const key = flags + '\u0000' + pattern;
  let r = memo.get(key);
  if (r === undefined) {
    try {
      r = new RE2(pcreToRe2(pattern), flags);
    } catch (err) {
      r = new Error(`RE2 cannot compile /${pattern.length > 120 ? pattern.slice(0, 120) + '...' : pattern}/: ${(err as Error).message}`);
    }
    memo.set(key, r);
  }
  if (r instanceof Error) throw r;
  return r;
}

/** A latin1 string as the UTF-8 buffer RE2 matches on (byte b -> code point b). */
export function re2Input(latin1: string): Buffer {
  return Buffer.from(latin1, 'utf8');
}

/** Back from an RE2 match buffer to a latin1 string. */
export function fromRe2(buf: Buffer): string {
  return buf.toString('utf8');
}
