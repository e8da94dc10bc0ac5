// Maps the PCRE syntax SecLang patterns are written in to RE2 syntax. Atomic groups and
// possessive quantifiers become plain groups and greedy quantifiers: the same matches except
// where PCRE would refuse to backtrack into them (rare in CRS; CRS 3.3.4's 922110 is one case, see
// test/crs-known-differences.yaml). `\h`, `\e`, `\Z` and one-digit `\xH` get their RE2 spelling;
// unknown letter escapes become the literal letter, as PCRE reads them. Constructs RE2 cannot
// express (look-around, back-references) are left alone so that RE2 rejects them and the rule is
// reported as not loaded (unless regex/rewrites.ts has a faithful rewrite).

const RE2_LETTER_ESCAPES = new Set('dDsSwWbBAzxpPQEnrtfvaC'.split(''));

export function pcreToRe2(src: string): string {
  let out = '';
  let inClass = false;
  let classStart = -1;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      const n = src[i + 1];
      if (n === undefined) { out += '\\\\'; break; }
      i++;
      if (n === 'h') { out += inClass ? '\\t ' : '[\\t ]'; continue; }
      if (n === 'e') { out += '\\x1b'; continue; }
      if (n === 'Z' && !inClass) { out += '(?:\\n?\\z)'; continue; }
      if (/[a-zA-Z]/.test(n) && !RE2_LETTER_ESCAPES.has(n) && n !== 'G' && n !== 'K' && n !== 'R' && n !== 'X') {
        out += n; // PCRE: an unknown escape of a letter is that letter
        continue;
      }
      if (n === 'x' && src[i + 1] !== '{' ) {
        // \xH (one digit) is valid in PCRE; RE2 wants two.
        const h = /^[0-9a-fA-F]{1,2}/.exec(src.slice(i + 1));
        if (h && h[0].length === 1) { out += '\\x0' + h[0]; i += 1; continue; }
      }
      if (n === 'Q') {
        // \Q...\E literal span: copy through, RE2 supports it.
        const end = src.indexOf('\\E', i + 1);
        const lit = end < 0 ? src.slice(i + 1) : src.slice(i + 1, end);
        out += lit.replace(/[\\^$.|?*+()[\]{}\-/]/g, (m) => '\\' + m);
        i = end < 0 ? src.length : end + 1;
        continue;
      }
      out += '\\' + n;
      continue;
    }
    if (inClass) {
      if (c === ']' && i > classStart) { inClass = false; }
      else if (c === '[' && src[i + 1] === ':') {
        const end = src.indexOf(':]', i + 2);
        if (end > 0) { out += src.slice(i, end + 2); i = end + 1; continue; }
        out += '\\['; continue;
      } else if (c === '[') { out += '\\['; continue; }
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      let j = i + 1;
      if (src[j] === '^') { out += '^'; j++; }
      if (src[j] === ']') { out += '\\]'; j++; }
      i = j - 1;
      classStart = j;
      continue;
    }
    if (c === '(' && src[i + 1] === '?' && src[i + 2] === '>') { out += '(?:'; i += 2; continue; }
    if ((c === '*' || c === '+' || c === '?' || c === '}') && src[i + 1] === '+') {
      out += c; i++; continue; // possessive -> greedy
    }
    out += c;
  }
  return out;
}
