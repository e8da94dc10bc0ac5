// libhtp-style URI normalisation for http.uri: path and query percent-decoded (suricata-verify's
// detect-xor case depends on the decoded query), dot segments removed from the path, the fragment
// decoded; an absolute-form target reduced to path, query and fragment.
function decodePct(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && i + 2 < s.length + 0 && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      out += String.fromCharCode(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c === 0x25 && (s[i + 1] === 'u' || s[i + 1] === 'U') && /^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) {
      // %uHHHH: IIS-style; libhtp keeps the low byte (best-fit for ASCII).
      out += String.fromCharCode(parseInt(s.slice(i + 2, i + 6), 16) & 0xff);
      i += 5;
    } else out += s[i];
  }
  return out;
}

function removeDotSegments(path: string): string {
  if (!path.includes('.')) return path;
  const input = path.split('/');
  const out: string[] = [];
  for (let i = 0; i < input.length; i++) {
    const seg = input[i];
    if (seg === '.') {
      if (i === input.length - 1) out.push('');
      continue;
    }
    if (seg === '..') {
      if (out.length > 1) out.pop();
      if (i === input.length - 1) out.push('');
      continue;
    }
    out.push(seg);
  }
  return out.join('/');
}

export function normalizeUri(raw: string): Buffer {
  let target = raw;
  const abs = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(target);
  if (abs) target = target.slice(abs[0].length) || '/';
  const hash = target.indexOf('#');
  const fragment = hash >= 0 ? target.slice(hash + 1) : undefined;
  if (hash >= 0) target = target.slice(0, hash);
  const q = target.indexOf('?');
  const path = q >= 0 ? target.slice(0, q) : target;
  const query = q >= 0 ? target.slice(q + 1) : undefined;
  let p = decodePct(path);
  if (p.startsWith('/')) p = removeDotSegments(p);
  let s = query === undefined ? p : p + '?' + decodePct(query);
  if (fragment !== undefined) s += '#' + decodePct(fragment);
  return Buffer.from(s, 'latin1');
}
