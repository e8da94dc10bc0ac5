// Parses a SecRule target list: "ARGS|!ARGS:foo|&TX:x|REQUEST_COOKIES:/^id_/|XML:/*".
import type RE2 from 're2';
import { compileRegex } from '../regex/compile';

export interface VariableSpec {
  /** Upper-case variable name, e.g. ARGS. */
  name: string;
  /** Literal key (case-insensitive), or XPath for XML. */
  key?: string;
  /** key lower-cased (filled in lazily). */
  keyLower?: string;
  /** Regex key (/.../), matched case-insensitively against collection keys. */
  keyRe?: RE2;
  keySource?: string;
  exclude: boolean;
  count: boolean;
  /** The variable's resolver, bound at load (see variables/registry.ts). */
  resolve?: (tx: never, spec: VariableSpec) => unknown;
}

export function parseVariables(text: string): VariableSpec[] {
  const out: VariableSpec[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && (text[i] === '|' || text[i] === ' ' || text[i] === '\t')) i++;
    if (i >= n) break;
    let exclude = false;
    let count = false;
    for (;;) {
      if (text[i] === '!') { exclude = true; i++; continue; }
      if (text[i] === '&') { count = true; i++; continue; }
      break;
    }
    let name = '';
    while (i < n && /[A-Za-z0-9_]/.test(text[i])) { name += text[i]; i++; }
    if (name === '') throw new Error(`bad variable list near "${text.slice(i, i + 20)}"`);
    // all fields present from the start: one object shape for every spec
    const spec: VariableSpec = {
      name: name.toUpperCase(), key: undefined, keyLower: undefined, keyRe: undefined, keySource: undefined,
      exclude, count, resolve: undefined,
    };
    if (text[i] === ':' || text[i] === '.') {
      i++;
      if (text[i] === '/' && spec.name !== 'XML') {
        // regex key up to the next unescaped '/'
        let j = i + 1;
        let re = '';
        while (j < n && text[j] !== '/') {
          if (text[j] === '\\' && j + 1 < n) { re += text[j] + text[j + 1]; j += 2; continue; }
          re += text[j];
          j++;
        }
        if (j >= n) throw new Error(`unterminated regex key in variable ${name}`);
        spec.keySource = re;
        spec.keyRe = compileRegex(re, 'is');
        i = j + 1;
      } else if (text[i] === "'") {
        const j = text.indexOf("'", i + 1);
        if (j < 0) throw new Error(`unterminated quoted key in variable ${name}`);
        spec.key = text.slice(i + 1, j);
        i = j + 1;
      } else {
        let key = '';
        while (i < n && text[i] !== '|') { key += text[i]; i++; }
        spec.key = key.trim();
      }
    }
    out.push(spec);
  }
  return out;
}
