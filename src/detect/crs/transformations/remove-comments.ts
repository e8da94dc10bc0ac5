// t:removeComments: drops /* */ and <!-- --> comments, and everything after -- or #.
import { registerTransformation } from './registry';

export function removeComments(s: string): string {
  let out = '';
  let inComment = false;
  let i = 0;
  const n = s.length;
  while (i < n) {
    if (!inComment) {
      if (s[i] === '/' && s[i + 1] === '*') { inComment = true; i += 2; }
      else if (s.startsWith('<!--', i)) { inComment = true; i += 4; }
      else if (s[i] === '-' && s[i + 1] === '-') { out += ' '; break; }
      else if (s[i] === '#') { out += ' '; break; }
      else out += s[i++];
    } else if (s[i] === '*' && s[i + 1] === '/') { inComment = false; i += 2; }
    else if (s.startsWith('-->', i)) { inComment = false; i += 3; }
    else i++;
  }
  if (inComment) out += ' ';
  return out;
}

registerTransformation('removeComments', removeComments);
