// t:removeCommentsChar: drops the comment markers /* */ <!-- --> -- and #, keeping the text.
import { registerTransformation } from './registry';

export function removeCommentsChar(s: string): string {
  let out = '';
  let i = 0;
  const n = s.length;
  while (i < n) {
    if ((s[i] === '/' && s[i + 1] === '*') || (s[i] === '*' && s[i + 1] === '/')) i += 2;
    else if (s.startsWith('<!--', i)) i += 4;
    else if (s.startsWith('-->', i)) i += 3;
    else if (s[i] === '-' && s[i + 1] === '-') i += 2;
    else if (s[i] === '#') i += 1;
    else out += s[i++];
  }
  return out;
}

registerTransformation('removeCommentsChar', removeCommentsChar);
