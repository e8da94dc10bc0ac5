// t:normalizePath (alias normalisePath): collapses repeated slashes and resolves ./ and ../.
import { registerTransformation } from './registry';

export function normalizePath(s: string): string {
  if (s === '') return s;
  if (s.indexOf('/') < 0 && s !== '.' && s !== '..') return s;
  const absolute = s.startsWith('/');
  const trailing = /\/(\.\.?)?$/.test(s) || s === '.' || s === '..';
  const stack: string[] = [];
  for (const seg of s.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (stack.length > 0 && stack[stack.length - 1] !== '..') stack.pop();
      else if (!absolute) stack.push('..');
      continue;
    }
    stack.push(seg);
  }
  let out = (absolute ? '/' : '') + stack.join('/');
  if (trailing && stack.length > 0) out += '/';
  return out;
}

registerTransformation('normalizePath', normalizePath);
registerTransformation('normalisePath', normalizePath);
