// t:replaceComments: each C comment /* ... */ (also one left open at the end) becomes a space.
import { registerTransformation } from './registry';

export function replaceComments(s: string): string {
  if (s.indexOf('/*') < 0) return s;
  let out = '';
  let inComment = false;
  let i = 0;
  while (i < s.length) {
    if (!inComment) {
      if (s[i] === '/' && s[i + 1] === '*') { inComment = true; i += 2; }
      else out += s[i++];
    } else if (s[i] === '*' && s[i + 1] === '/') { inComment = false; i += 2; out += ' '; }
    else i++;
  }
  if (inComment) out += ' ';
  return out;
}

registerTransformation('replaceComments', replaceComments);
