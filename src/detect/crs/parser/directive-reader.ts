// Splits a SecLang file into directives: joins backslash-continued lines, drops comments and
// blank lines, and keeps the line number where each directive starts (for file:line errors).

export interface RawDirective {
  file: string;
  line: number;
  text: string;
}

export function readDirectives(file: string, content: string): RawDirective[] {
  const lines = content.split(/\r?\n/);
  const out: RawDirective[] = [];
  let buf = '';
  let start = 0;
  for (let i = 0; i < lines.length; i++) {
    let l = lines[i];
    if (buf === '') {
      const t = l.trimStart();
      if (t === '' || t.startsWith('#')) continue;
      start = i + 1;
    }
    const trimmedEnd = l.replace(/[ \t]+$/, '');
    if (trimmedEnd.endsWith('\\')) {
      l = trimmedEnd.slice(0, -1);
      buf += l;
      continue;
    }
    buf += l;
    out.push({ file, line: start, text: buf.trim() });
    buf = '';
  }
  if (buf.trim() !== '') out.push({ file, line: start, text: buf.trim() });
  return out;
}

/** Splits a directive into its name and arguments. Inside quotes, `\"` (resp. `\'`) becomes the
 * quote and `\\` one backslash; other backslashes stay. That is how Apache's config reader (and so
 * ModSecurity v2, which CRS is written and tested for) reads them: CRS 3.3 writes a regex's literal
 * backslash as `\\\\` (920460, 941330 tests depend on it); CRS 4 avoids the construct. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
    if (i >= n) break;
    const q = text[i];
    if (q === '"' || q === "'") {
      let s = '';
      i++;
      let closed = false;
      while (i < n) {
        const c = text[i];
        if (c === '\\' && text[i + 1] === q) { s += q; i += 2; continue; }
        if (c === '\\' && text[i + 1] === '\\') { s += '\\'; i += 2; continue; }
        if (c === q) { closed = true; i++; break; }
        s += c;
        i++;
      }
      if (!closed) throw new Error(`unterminated ${q === '"' ? 'double' : 'single'} quote`);
      out.push(s);
    } else {
      let s = '';
      while (i < n && text[i] !== ' ' && text[i] !== '\t') { s += text[i]; i++; }
      out.push(s);
    }
  }
  return out;
}
