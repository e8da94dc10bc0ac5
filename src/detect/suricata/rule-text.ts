// Rule text handling shared by the loader and the pcre validation worker: statements of a rules
// file (continuations joined, commented-out rules recognised) and option splitting.

export const RULE_START = /^(alert|drop|reject|rejectsrc|rejectdst|rejectboth|pass)\s/;
// A commented-out rule: '#', an action, and a sid option (checked without backtracking-heavy regexes).
const DISABLED_START = /^#+\s*(alert|drop|reject|rejectsrc|rejectdst|rejectboth|pass)\s+\S+\s/;
const SID_OPT = /[(;]\s*sid\s*:/;

/**
 * Yields complete rule statements with the line they start on (joins `\` continuations). Lines
 * are decoded one by one from the file's bytes, so a kept rule text never pins the whole file.
 */
export function* statements(data: Buffer | string): Generator<{ line: number; text: string; disabled: boolean }> {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let pos = 0;
  let lineNo = 0;
  const nextLine = (): string | undefined => {
    if (pos >= buf.length) return undefined;
    let end = buf.indexOf(10, pos);
    if (end < 0) end = buf.length;
    const s = buf.toString('utf8', pos, end > pos && buf[end - 1] === 13 ? end - 1 : end);
    pos = end + 1;
    lineNo++;
    return s;
  };
  for (;;) {
    const raw = nextLine();
    if (raw === undefined) return;
    let t = raw.trim();
    const start = lineNo;
    while (t.endsWith('\\')) {
      const more = nextLine();
      if (more === undefined) break;
      t = t.slice(0, -1) + more.trim();
    }
    if (!t) continue;
    if (t.charCodeAt(0) === 35) {
      if (DISABLED_START.test(t) && t.includes('(') && SID_OPT.test(t)) yield { line: start, text: t, disabled: true };
      continue;
    }
    yield { line: start, text: t, disabled: false };
  }
}

/** Splits `(opt; opt:"a\;b"; ...)` on unescaped semicolons, as Suricata does. */
export function splitOptions(body: string): string[] {
  const out: string[] = [];
  let start = 0;
  let from = 0;
  for (;;) {
    const semi = body.indexOf(';', from);
    if (semi < 0) break;
    // Count the backslashes right before ';': an odd number escapes it.
    let bs = 0;
    for (let k = semi - 1; k >= start && body.charCodeAt(k) === 92; k--) bs++;
    if (bs % 2 === 1) {
      from = semi + 1;
      continue;
    }
    const opt = body.slice(start, semi).trim();
    if (opt) out.push(opt);
    start = from = semi + 1;
  }
  const last = body.slice(start).trim();
  if (last) out.push(last);
  return out;
}

export function indexOfUnescaped(s: string, ch: string): number {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') {
      i++;
      continue;
    }
    if (s[i] === ch) return i;
  }
  return -1;
}
