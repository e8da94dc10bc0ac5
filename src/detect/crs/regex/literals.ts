// Required-literal extraction for the @rx prefilter. For a pattern (RE2 syntax, after
// pcre-to-re2) it computes a set of lower-case strings such that every match contains at least
// one of them; a value whose lower-cased text contains none cannot match, and the rule skips the
// RE2 call. The analysis is conservative: anything it does not understand yields "no
// requirement", which just means the regex always runs.

interface Info {
  /** Every string the node can match (lower-cased), when that set is small; else null. */
  exact: Set<string> | null;
  /** Each match contains one of these (lower-cased); null = no requirement known. */
  req: Set<string> | null;
}

const MAX_EXACT = 24;
const MAX_REQ = 48;
const NONE: Info = { exact: null, req: null };

/** Latin-1 lower-casing (A-Z and À-Þ except ×), as used for values and literals alike. */
export function lowerLatin1(s: string): string {
  let out = '';
  let changed = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 65 && c <= 90) || (c >= 0xc0 && c <= 0xde && c !== 0xd7)) {
      out += String.fromCharCode(c + 32);
      changed = true;
    } else out += s[i];
  }
  return changed ? out : s;
}

/** A 31-bit summary of which characters occur (bit = code % 31): literal L can only occur in value
 * V if mask(L) is a subset of mask(V). */
export function charMask(s: string): number {
  let m = 0;
  for (let i = 0; i < s.length; i++) m |= 1 << (s.charCodeAt(i) % 31);
  return m;
}

function quality(req: Set<string> | null): number {
  if (!req || req.size === 0) return 0;
  let min = Infinity;
  for (const s of req) min = Math.min(min, s.length);
  if (min === 0) return 0;
  if (min === 1) {
    // single characters only help when they are punctuation (rare in ordinary text)
    for (const x of req) if (x.length === 1 && /[a-z0-9 ]/.test(x)) return 0;
    return 5 - Math.log2(req.size) / 4;
  }
  // longer is better, fewer is better
  return min * 10 - Math.log2(req.size);
}

function better(a: Set<string> | null, b: Set<string> | null): Set<string> | null {
  return quality(b) > quality(a) ? b : a;
}

function cross(a: Set<string>, b: Set<string>): Set<string> | null {
  if (a.size * b.size > MAX_EXACT) return null;
  const out = new Set<string>();
  for (const x of a) for (const y of b) {
    const s = x + y;
    if (s.length > 40) return null;
    out.add(s);
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly src: string) {}

  parse(): Info {
    const info = this.alternation();
    if (this.i < this.src.length) throw new Error('trailing input');
    return info;
  }

  private alternation(): Info {
    const branches: Info[] = [this.sequence()];
    while (this.src[this.i] === '|') {
      this.i++;
      branches.push(this.sequence());
    }
    if (branches.length === 1) return branches[0];
    let exact: Set<string> | null = new Set();
    let req: Set<string> | null = new Set();
    for (const b of branches) {
      if (exact && b.exact) for (const s of b.exact) exact.add(s);
      else exact = null;
      if (exact && exact.size > MAX_EXACT) exact = null;
      const r = b.req ?? b.exact;
      if (req && r && quality(r) > 0) for (const s of r) req.add(s);
      else req = null;
      if (req && req.size > MAX_REQ) req = null;
    }
    return { exact, req };
  }

  private sequence(): Info {
    let cur: Set<string> = new Set(['']);
    let best: Set<string> | null = null;
    let broken = false;
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') {
      const item = this.quantified();
      best = better(best, item.req);
      if (item.exact) {
        const next = cross(cur, item.exact);
        if (next) { cur = next; continue; }
      }
      // the run of exactly known text ends here; it is required as it stands
      broken = true;
      best = better(best, cur);
      cur = item.exact ? new Set(item.exact) : new Set(['']);
    }
    best = better(best, cur);
    return { exact: broken ? null : cur, req: best };
  }

  private quantified(): Info {
    const atom = this.atom();
    const c = this.src[this.i];
    let min = 1;
    let max = 1;
    if (c === '*') { min = 0; max = Infinity; this.i++; }
    else if (c === '+') { min = 1; max = Infinity; this.i++; }
    else if (c === '?') { min = 0; max = 1; this.i++; }
    else if (c === '{') {
      const m = /^\{(\d*)(,?)(\d*)\}/.exec(this.src.slice(this.i));
      if (m) {
        min = m[1] === '' ? 0 : Number(m[1]);
        max = m[2] === '' ? min : m[3] === '' ? Infinity : Number(m[3]);
        this.i += m[0].length;
      } else return atom; // a literal '{' was handled by atom()
    } else return atom;
    if (this.src[this.i] === '?' || this.src[this.i] === '+') this.i++; // lazy / possessive marker
    if (min === 0) {
      if (max === 1 && atom.exact) return { exact: new Set(['', ...atom.exact]), req: null };
      return NONE;
    }
    const req = atom.req ?? atom.exact;
    if (min === max && atom.exact && min <= 4) {
      let e: Set<string> | null = new Set(['']);
      for (let k = 0; k < min && e; k++) e = cross(e, atom.exact);
      return { exact: e, req };
    }
    return { exact: null, req };
  }

  private atom(): Info {
    const s = this.src;
    const c = s[this.i];
    if (c === '(') return this.group();
    if (c === '[') return this.charClass();
    if (c === '.') { this.i++; return NONE; }
    if (c === '^' || c === '$') { this.i++; return { exact: new Set(['']), req: null }; }
    if (c === '\\') return this.escape();
    this.i++;
    return this.literal(c);
  }

  private literal(c: string): Info {
    if (c.charCodeAt(0) >= 0x80) return NONE;
    return { exact: new Set([lowerLatin1(c)]), req: null };
  }

  private group(): Info {
    const s = this.src;
    this.i++; // (
    if (s[this.i] === '?') {
      this.i++;
      if (s[this.i] === 'P' && s[this.i + 1] === '<') {
        this.i = s.indexOf('>', this.i) + 1;
      } else if (s[this.i] === '<' && s[this.i + 1] !== '=' && s[this.i + 1] !== '!') {
        this.i = s.indexOf('>', this.i) + 1;
      } else {
        // flags: (?i) (?i:...) (?-s) ...
        const m = /^[imsU-]*/.exec(s.slice(this.i)) as RegExpExecArray;
        this.i += m[0].length;
        if (s[this.i] === ')') { this.i++; return { exact: new Set(['']), req: null }; }
        if (s[this.i] !== ':') throw new Error('unsupported group');
        this.i++;
      }
    }
    const inner = this.alternation();
    if (s[this.i] !== ')') throw new Error('unbalanced group');
    this.i++;
    return inner;
  }

  private charClass(): Info {
    const s = this.src;
    this.i++; // [
    let negated = false;
    if (s[this.i] === '^') { negated = true; this.i++; }
    const chars = new Set<string>();
    let complex = false;
    let first = true;
    while (this.i < s.length && (s[this.i] !== ']' || first)) {
      first = false;
      let c = s[this.i];
      if (c === '[' && s[this.i + 1] === ':') {
        const e = s.indexOf(':]', this.i);
        this.i = e + 2;
        complex = true;
        continue;
      }
      if (c === '\\') {
        const e = this.classEscape();
        if (e === null) { complex = true; continue; }
        c = e;
      } else this.i++;
      if (s[this.i] === '-' && s[this.i + 1] !== ']' && this.i + 1 < s.length) {
        this.i++;
        let hi = s[this.i];
        if (hi === '\\') {
          const e = this.classEscape();
          if (e === null) { complex = true; continue; }
          hi = e;
        } else this.i++;
        const a = c.charCodeAt(0);
        const b = hi.charCodeAt(0);
        if (b - a > 16) complex = true;
        else for (let k = a; k <= b; k++) chars.add(String.fromCharCode(k));
        continue;
      }
      chars.add(c);
    }
    if (s[this.i] !== ']') throw new Error('unterminated class');
    this.i++;
    if (negated || complex) return NONE;
    const lower = new Set<string>();
    for (const ch of chars) {
      if (ch.charCodeAt(0) >= 0x80) return NONE;
      lower.add(lowerLatin1(ch));
    }
    if (lower.size > 6) return NONE;
    return { exact: lower, req: null };
  }

  /** An escape inside a class: the char, or null for a class escape (\d, \w, ...). */
  private classEscape(): string | null {
    const s = this.src;
    const n = s[this.i + 1];
    if (n === 'x') {
      const m = /^\\x(?:\{([0-9a-fA-F]+)\}|([0-9a-fA-F]{2}))/.exec(s.slice(this.i));
      if (!m) throw new Error('bad \\x');
      this.i += m[0].length;
      return String.fromCharCode(parseInt(m[1] ?? m[2], 16));
    }
    if (/[0-7]/.test(n)) {
      const m = /^\\([0-7]{1,3})/.exec(s.slice(this.i)) as RegExpExecArray;
      this.i += m[0].length;
      return String.fromCharCode(parseInt(m[1], 8));
    }
    this.i += 2;
    if (n === 'p' || n === 'P') {
      if (s[this.i] === '{') this.i = s.indexOf('}', this.i) + 1;
      else this.i++;
      return null;
    }
    const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', f: '\f', v: '\v', a: '\x07' };
    if (simple[n] !== undefined) return simple[n];
    if (/[dDsSwW]/.test(n)) return null;
    if (/[A-Za-z]/.test(n)) return null;
    return n;
  }

  private escape(): Info {
    const s = this.src;
    const n = s[this.i + 1];
    if (n === 'b' || n === 'B' || n === 'A' || n === 'z') { this.i += 2; return { exact: new Set(['']), req: null }; }
    if (n === 'Q') {
      const e = s.indexOf('\\E', this.i + 2);
      const lit = e < 0 ? s.slice(this.i + 2) : s.slice(this.i + 2, e);
      this.i = e < 0 ? s.length : e + 2;
      if (/[^\x00-\x7f]/.test(lit)) return NONE;
      return { exact: new Set([lowerLatin1(lit)]), req: null };
    }
    const c = this.classEscape();
    if (c === null) return NONE;
    return this.literal(c);
  }
}

/**
 * The literals a match of `re2Pattern` must contain (lower-cased), or undefined when no useful
 * requirement is known (then the regex must always run).
 */
export function requiredLiterals(re2Pattern: string): string[] | undefined {
  let info: Info;
  try {
    info = new Parser(re2Pattern).parse();
  } catch {
    return undefined;
  }
  const req = better(info.req, info.exact);
  if (!req || quality(req) <= 0) return undefined;
  // drop strings that contain another required string (the shorter one is found anyway)
  const list = [...req].sort((a, b) => a.length - b.length);
  const out: string[] = [];
  for (const s of list) if (!out.some((o) => s.includes(o))) out.push(s);
  return out;
}
