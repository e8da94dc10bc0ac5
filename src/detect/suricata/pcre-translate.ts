// PCRE -> RE2: rewrites the few PCRE escapes RE2 spells differently (\Z, \h, \e) and applies the
// PCRE flags RE2 lacks (A anchored, G ungreedy, x extended). Anything RE2 cannot run (look-around,
// back-references, possessive quantifiers) is left to RE2 to reject, so the rule is reported.
export function translatePcre(src: string, flags: { extended: boolean; anchored: boolean; ungreedy: boolean }): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (ch === '\\' && i + 1 < src.length) {
      const nx = src[i + 1];
      i++;
      if (nx === 'Z' && !inClass) out += '(?:\\n?\\z)';
      else if (nx === 'h') out += inClass ? '\\t ' : '[\\t ]';
      else if (nx === 'H' && !inClass) out += '[^\\t ]';
      else if (nx === 'e') out += '\\x1b';
      else out += '\\' + nx;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      out += ch;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      out += ch;
      // A ']' right after '[' or '[^' is a literal.
      if (src[i + 1] === '^') {
        out += '^';
        i++;
      }
      if (src[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (flags.extended) {
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') continue;
      if (ch === '#') {
        while (i < src.length && src[i] !== '\n') i++;
        continue;
      }
    }
    out += ch;
  }
  if (flags.anchored) out = '^(?:' + out + ')';
  if (flags.ungreedy) out = '(?U)' + out;
  return out;
}
