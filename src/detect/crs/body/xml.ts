// XML body processor: a small well-formedness checker that collects what CRS reads from XML:
// the text content of the document (XML:/*) and every attribute value (XML://@*).

export interface XmlDoc {
  text: string;
  attributes: Array<{ name: string; value: string }>;
}

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot|apos);/g, (_m, e: string) => {
    if (e[0] === '#') {
      const cp = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Buffer.from(String.fromCodePoint(cp), 'utf8').toString('latin1');
    }
    return ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" } as Record<string, string>)[e];
  });
}

export function parseXmlBody(body: Buffer): { doc?: XmlDoc; error?: string } {
  const s = body.toString('latin1');
  const stack: string[] = [];
  let text = '';
  const attributes: Array<{ name: string; value: string }> = [];
  let i = 0;
  let sawRoot = false;
  const n = s.length;
  while (i < n) {
    const lt = s.indexOf('<', i);
    const chunk = lt < 0 ? s.slice(i) : s.slice(i, lt);
    if (stack.length > 0) text += decodeEntities(chunk);
    else if (chunk.trim() !== '') return { error: 'XML parser error: content outside the root element' };
    if (lt < 0) break;
    if (s.startsWith('<!--', lt)) {
      const e = s.indexOf('-->', lt + 4);
      if (e < 0) return { error: 'XML parser error: unterminated comment' };
      i = e + 3;
    } else if (s.startsWith('<![CDATA[', lt)) {
      const e = s.indexOf(']]>', lt + 9);
      if (e < 0) return { error: 'XML parser error: unterminated CDATA' };
      text += s.slice(lt + 9, e);
      i = e + 3;
    } else if (s.startsWith('<?', lt)) {
      const e = s.indexOf('?>', lt + 2);
      if (e < 0) return { error: 'XML parser error: unterminated processing instruction' };
      i = e + 2;
    } else if (s.startsWith('<!', lt)) {
      // DOCTYPE (possibly with an internal subset)
      let depth = 0;
      let j = lt + 2;
      for (; j < n; j++) {
        if (s[j] === '[') depth++;
        else if (s[j] === ']') depth--;
        else if (s[j] === '>' && depth <= 0) break;
      }
      if (j >= n) return { error: 'XML parser error: unterminated DOCTYPE' };
      i = j + 1;
    } else if (s[lt + 1] === '/') {
      const e = s.indexOf('>', lt);
      if (e < 0) return { error: 'XML parser error: unterminated end tag' };
      const name = s.slice(lt + 2, e).trim();
      if (stack.pop() !== name) return { error: `XML parser error: mismatched end tag </${name}>` };
      i = e + 1;
    } else {
      const m = /^<([A-Za-z_:][-\w.:]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/.exec(s.slice(lt, Math.min(n, lt + 65536)));
      if (!m) return { error: 'XML parser error: malformed start tag' };
      if (stack.length === 0 && sawRoot) return { error: 'XML parser error: more than one root element' };
      sawRoot = true;
      const attrRe = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
      let a: RegExpExecArray | null;
      while ((a = attrRe.exec(m[2])) !== null) attributes.push({ name: a[1], value: decodeEntities(a[2] ?? a[3] ?? '') });
      if (m[3] !== '/') stack.push(m[1]);
      i = lt + m[0].length;
    }
  }
  if (!sawRoot) return { error: 'XML parser error: no root element' };
  if (stack.length > 0) return { error: 'XML parser error: unclosed element' };
  return { doc: { text, attributes } };
}
