// Splits a SecLang action list ("id:1,phase:2,msg:'a, b',t:none") into [name, value] pairs.

export function splitActions(text: string): Array<[string, string | undefined]> {
  const out: Array<[string, string | undefined]> = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && /[\s,]/.test(text[i])) i++;
    if (i >= n) break;
    let name = '';
    while (i < n && text[i] !== ':' && text[i] !== ',') { name += text[i]; i++; }
    name = name.trim();
    if (i >= n || text[i] === ',') { out.push([name, undefined]); continue; }
    i++; // ':'
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
    let value = '';
    if (text[i] === "'") {
      i++;
      let closed = false;
      while (i < n) {
        const c = text[i];
        if (c === '\\' && text[i + 1] === "'") { value += "'"; i += 2; continue; }
        if (c === "'") { closed = true; i++; break; }
        value += c;
        i++;
      }
      if (!closed) throw new Error(`action ${name}: unterminated single quote`);
      while (i < n && text[i] !== ',') i++;
    } else {
      while (i < n && text[i] !== ',') { value += text[i]; i++; }
      value = value.trim();
    }
    out.push([name, value]);
  }
  return out;
}
