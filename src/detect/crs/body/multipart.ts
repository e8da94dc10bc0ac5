// MULTIPART body processor, with ModSecurity's strict-validation flags (MULTIPART_* variables).

export interface MultipartPart {
  name: string;
  filename?: string;
  headers: string[];
  value: string;
}

export interface MultipartResult {
  parts: MultipartPart[];
  error?: string;
  flags: Record<string, number>;
}

const FLAG_NAMES = [
  'MULTIPART_BOUNDARY_QUOTED', 'MULTIPART_BOUNDARY_WHITESPACE', 'MULTIPART_DATA_BEFORE', 'MULTIPART_DATA_AFTER',
  'MULTIPART_HEADER_FOLDING', 'MULTIPART_LF_LINE', 'MULTIPART_CRLF_LF_LINES', 'MULTIPART_MISSING_SEMICOLON',
  'MULTIPART_INVALID_QUOTING', 'MULTIPART_INVALID_PART', 'MULTIPART_INVALID_HEADER_FOLDING',
  'MULTIPART_FILE_LIMIT_EXCEEDED', 'MULTIPART_UNMATCHED_BOUNDARY',
];

export function multipartBoundary(contentType: string, flags: Record<string, number>): string | undefined {
  const m = /boundary(\s*)=(\s*)("?)([^";,]*)("?)/i.exec(contentType);
  if (!m) return undefined;
  if (m[1] !== '' || m[2] !== '') flags.MULTIPART_BOUNDARY_WHITESPACE = 1;
  if (m[3] === '"' || m[5] === '"') flags.MULTIPART_BOUNDARY_QUOTED = 1;
  if ((m[3] === '"') !== (m[5] === '"')) return undefined;
  const b = m[4];
  if (b === '' || /[\s]/.test(b.trim()) || b !== b.trim()) {
    if (b.trim() === '') return undefined;
    flags.MULTIPART_BOUNDARY_WHITESPACE = 1;
  }
  if (/boundary\s*=.*[;,\s]boundary\s*=/i.test(contentType)) return undefined;
  return b.trim();
}

function parseDisposition(value: string, flags: Record<string, number>): { name?: string; filename?: string; ok: boolean } {
  const m = /^\s*form-data\s*(;|$)/i.exec(value);
  if (!m) return { ok: false };
  let rest = value.slice(m[0].length);
  const out: { name?: string; filename?: string; ok: boolean } = { ok: true };
  while (rest.trim() !== '') {
    const pm = /^\s*([A-Za-z0-9_*-]+)\s*=\s*/.exec(rest);
    if (!pm) { flags.MULTIPART_INVALID_QUOTING = 1; return { ok: false }; }
    rest = rest.slice(pm[0].length);
    let v: string;
    if (rest.startsWith('"')) {
      let j = 1;
      v = '';
      while (j < rest.length && rest[j] !== '"') {
        if (rest[j] === '\\' && (rest[j + 1] === '"' || rest[j + 1] === '\\')) { v += rest[j + 1]; j += 2; flags.MULTIPART_INVALID_QUOTING = 1; continue; }
        v += rest[j++];
      }
      if (j >= rest.length) { flags.MULTIPART_INVALID_QUOTING = 1; return { ok: false }; }
      rest = rest.slice(j + 1);
    } else {
      if (rest.startsWith("'")) flags.MULTIPART_INVALID_QUOTING = 1;
      const e = rest.indexOf(';');
      v = (e < 0 ? rest : rest.slice(0, e)).trim();
      rest = e < 0 ? '' : rest.slice(e);
    }
    const key = pm[1].toLowerCase();
    if (key === 'name') { if (out.name !== undefined) return { ok: false }; out.name = v; }
    else if (key === 'filename' || key === 'filename*') { if (out.filename !== undefined && key === 'filename') return { ok: false }; out.filename = v; }
    const sep = /^\s*(;?)\s*/.exec(rest) as RegExpExecArray;
    if (sep[1] === '' && rest.trim() !== '') flags.MULTIPART_MISSING_SEMICOLON = 1;
    rest = rest.slice(sep[0].length);
  }
  return out;
}

export function parseMultipart(body: Buffer, contentType: string): MultipartResult {
  const flags: Record<string, number> = {};
  for (const f of FLAG_NAMES) flags[f] = 0;
  const parts: MultipartPart[] = [];
  const boundary = multipartBoundary(contentType, flags);
  if (boundary === undefined) return { parts, flags, error: 'Multipart: Invalid boundary in C-T.' };
  const s = body.toString('latin1');
  const delim = '--' + boundary;
  let pos = s.indexOf(delim);
  if (pos < 0) {
    flags.MULTIPART_INVALID_PART = 1;
    return { parts, flags, error: 'Multipart: final boundary missing' };
  }
  if (pos > 0 && s.slice(0, pos).trim() !== '') flags.MULTIPART_DATA_BEFORE = 1;
  let finished = false;
  let sawCrlf = false;
  let sawLf = false;
  while (!finished) {
    let p = pos + delim.length;
    if (s.startsWith('--', p)) {
      finished = true;
      const after = s.slice(p + 2);
      if (after.replace(/^\r?\n/, '') !== '') flags.MULTIPART_DATA_AFTER = 1;
      break;
    }
    // the rest of the boundary line (whitespace allowed), then the line end
    while (s[p] === ' ' || s[p] === '\t') p++;
    if (s.startsWith('\r\n', p)) { p += 2; sawCrlf = true; }
    else if (s[p] === '\n') { p += 1; sawLf = true; }
    else { flags.MULTIPART_INVALID_PART = 1; return { parts, flags, error: 'Multipart: invalid boundary line' }; }
    // headers
    const headers: string[] = [];
    for (;;) {
      const nl = s.indexOf('\n', p);
      if (nl < 0) { flags.MULTIPART_INVALID_PART = 1; return { parts, flags, error: 'Multipart: unterminated part headers' }; }
      let line = s.slice(p, nl);
      if (line.endsWith('\r')) { line = line.slice(0, -1); sawCrlf = true; } else sawLf = true;
      p = nl + 1;
      if (line === '') break;
      if (line[0] === ' ' || line[0] === '\t') {
        flags.MULTIPART_HEADER_FOLDING = 1;
        if (headers.length === 0) { flags.MULTIPART_INVALID_HEADER_FOLDING = 1; return { parts, flags, error: 'Multipart: invalid header folding' }; }
        headers[headers.length - 1] += ' ' + line.trim();
        continue;
      }
      if (line.indexOf(':') <= 0) { flags.MULTIPART_INVALID_PART = 1; return { parts, flags, error: 'Multipart: invalid part header' }; }
      headers.push(line);
    }
    // content up to the next delimiter at a line start
    let next = p;
    let end = -1;
    for (;;) {
      const k = s.indexOf(delim, next);
      if (k < 0) break;
      if (k >= 1 && s[k - 1] === '\n') { end = k; break; }
      next = k + 1;
    }
    if (end < 0) {
      flags.MULTIPART_INVALID_PART = 1;
      return { parts, flags, error: 'Multipart: final boundary missing' };
    }
    let contentEnd = end - 1;
    if (contentEnd > p && s[contentEnd - 1] === '\r') contentEnd--;
    const value = s.slice(p, Math.max(p, contentEnd));
    let name: string | undefined;
    let filename: string | undefined;
    let sawDisposition = false;
    for (const h of headers) {
      const c = h.indexOf(':');
      if (h.slice(0, c).trim().toLowerCase() === 'content-disposition') {
        sawDisposition = true;
        const d = parseDisposition(h.slice(c + 1), flags);
        if (!d.ok) { flags.MULTIPART_INVALID_PART = 1; return { parts, flags, error: 'Multipart: invalid Content-Disposition header' }; }
        name = d.name;
        filename = d.filename;
      }
    }
    if (!sawDisposition || name === undefined) {
      flags.MULTIPART_INVALID_PART = 1;
      return { parts, flags, error: 'Multipart: part missing Content-Disposition name' };
    }
    parts.push({ name, filename, headers, value });
    pos = end;
  }
  if (sawCrlf && sawLf) flags.MULTIPART_CRLF_LF_LINES = 1;
  if (sawLf && !sawCrlf) flags.MULTIPART_LF_LINE = 1;
  return { parts, flags };
}

export function strictError(flags: Record<string, number>, error: string | undefined): number {
  const keys = [
    'MULTIPART_BOUNDARY_QUOTED', 'MULTIPART_BOUNDARY_WHITESPACE', 'MULTIPART_DATA_BEFORE', 'MULTIPART_DATA_AFTER',
    'MULTIPART_HEADER_FOLDING', 'MULTIPART_LF_LINE', 'MULTIPART_MISSING_SEMICOLON', 'MULTIPART_INVALID_QUOTING',
    'MULTIPART_INVALID_PART', 'MULTIPART_INVALID_HEADER_FOLDING', 'MULTIPART_FILE_LIMIT_EXCEEDED',
  ];
  return error !== undefined || keys.some((k) => flags[k]) ? 1 : 0;
}
