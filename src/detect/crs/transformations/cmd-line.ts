// t:cmdLine: normalises shell command lines: drops \ " ' ^, turns runs of space , ; \t \r \n
// into one space, removes a space before / or (, and lower-cases.
import { registerTransformation } from './registry';

export function cmdLine(s: string): string {
  // nothing to change: no upper case, no characters the transformation drops or folds
  if (!/[A-Z"'\\^ ,;\t\r\n/(]/.test(s)) return s;
  let out = '';
  let space = false;
  for (let i = 0; i < s.length; i++) {
    const a = s[i];
    switch (a) {
      case '"': case "'": case '\\': case '^':
        break;
      case ' ': case ',': case ';': case '\t': case '\r': case '\n':
        if (!space) { out += ' '; space = true; }
        break;
      case '/': case '(':
        if (space) out = out.slice(0, -1);
        space = false;
        out += a;
        break;
      default: {
        const c = a.charCodeAt(0);
        out += c >= 65 && c <= 90 ? String.fromCharCode(c + 32) : a;
        space = false;
      }
    }
  }
  return out;
}

registerTransformation('cmdLine', cmdLine);
