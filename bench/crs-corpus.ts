// A deterministic corpus of benign HTTP requests for the CRS benchmark: browser-like GETs with
// query strings, form POSTs, JSON API calls and multipart uploads, with realistic headers and
// cookies. Same seed, same corpus.
import type { CrsRequest } from '../src/detect/crs';

class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0 || 1; }
  next(): number {
    // xorshift32
    let x = this.s;
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    this.s = x;
    return x / 0x100000000;
  }
  int(n: number): number { return Math.floor(this.next() * n); }
  pick<T>(a: readonly T[]): T { return a[this.int(a.length)]; }
}

const WORDS = ['blue', 'garden', 'chair', 'summer', 'travel', 'coffee', 'laptop', 'review', 'kitchen', 'music', 'river',
  'mountain', 'recipe', 'bicycle', 'camera', 'winter', 'holiday', 'office', 'book', 'shoes', 'phone', 'guide', 'market',
  'report', 'invoice', 'project', 'meeting', 'school', 'weather', 'football', 'pasta', 'salad', 'budget', 'design'];
const NAMES = ['Alice', 'Bob', 'Carla', 'Dmitri', 'Eva', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jonas', 'Kemal', 'Lena'];
const PATHS = ['/', '/index.html', '/products', '/products/view', '/search', '/blog/2024/05/summer-sale', '/account/orders',
  '/api/v1/items', '/static/app.js', '/static/css/site.css', '/images/logo.png', '/help/faq', '/cart', '/checkout/address'];
const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
];
const LANGS = ['en-US,en;q=0.9', 'de-DE,de;q=0.9,en;q=0.8', 'fr-FR,fr;q=0.8', 'en-GB,en;q=0.7'];

function words(r: Rng, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(r.pick(WORDS));
  return out.join(' ');
}

function hex(r: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[r.int(16)];
  return s;
}

function baseHeaders(r: Rng): Array<[string, string]> {
  const h: Array<[string, string]> = [
    ['Host', 'shop.example.com'],
    ['User-Agent', r.pick(UAS)],
    ['Accept', r.pick(['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', '*/*', 'application/json'])],
    ['Accept-Language', r.pick(LANGS)],
    ['Accept-Encoding', 'gzip, deflate, br'],
  ];
  if (r.next() < 0.7) h.push(['Cookie', `session=${hex(r, 32)}; theme=${r.pick(['light', 'dark'])}; cart_items=${r.int(9)}`]);
  if (r.next() < 0.5) h.push(['Referer', `https://shop.example.com${r.pick(PATHS)}`]);
  h.push(['Connection', 'keep-alive']);
  return h;
}

const enc = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+');

function get(r: Rng): CrsRequest {
  const path = r.pick(PATHS);
  const params: string[] = [];
  const n = r.int(4);
  for (let i = 0; i < n; i++) {
    const kind = r.int(5);
    if (kind === 0) params.push(`q=${enc(words(r, 1 + r.int(3)))}`);
    else if (kind === 1) params.push(`page=${1 + r.int(20)}`);
    else if (kind === 2) params.push(`sort=${r.pick(['price', 'name', 'date', 'rating'])}`);
    else if (kind === 3) params.push(`id=${r.int(100000)}`);
    else params.push(`utm_source=${r.pick(['newsletter', 'google', 'partner'])}`);
  }
  return { method: 'GET', uri: path + (params.length ? '?' + params.join('&') : ''), version: 'HTTP/1.1', headers: baseHeaders(r) };
}

function withBody(r: Rng, method: string, uri: string, ct: string, body: string): CrsRequest {
  const b = Buffer.from(body, 'utf8');
  const h = baseHeaders(r);
  h.push(['Content-Type', ct], ['Content-Length', String(b.length)], ['Origin', 'https://shop.example.com']);
  return { method, uri, version: 'HTTP/1.1', headers: h, body: b };
}

function form(r: Rng): CrsRequest {
  const kind = r.int(3);
  if (kind === 0) return withBody(r, 'POST', '/account/login', 'application/x-www-form-urlencoded', `username=${enc(r.pick(NAMES).toLowerCase() + r.int(100))}&password=${hex(r, 12)}&remember=on`);
  if (kind === 1) return withBody(r, 'POST', '/search', 'application/x-www-form-urlencoded', `q=${enc(words(r, 2))}&category=${r.pick(WORDS)}&min_price=${r.int(50)}&max_price=${50 + r.int(500)}`);
  return withBody(r, 'POST', '/blog/comment', 'application/x-www-form-urlencoded',
    `name=${enc(r.pick(NAMES))}&email=${enc(r.pick(NAMES).toLowerCase() + '@example.org')}&comment=${enc('Great post about the ' + words(r, 6) + ', thanks')}&post_id=${r.int(5000)}`);
}

function json(r: Rng): CrsRequest {
  const kind = r.int(3);
  if (kind === 0) {
    return withBody(r, 'POST', '/api/v1/cart', 'application/json', JSON.stringify({ item_id: r.int(100000), quantity: 1 + r.int(4), options: { color: r.pick(['red', 'blue', 'green']), size: r.pick(['S', 'M', 'L']) } }));
  }
  if (kind === 1) {
    return withBody(r, 'PUT', `/api/v1/users/${r.int(10000)}`, 'application/json', JSON.stringify({ name: r.pick(NAMES), city: r.pick(['Berlin', 'Lyon', 'Osaka', 'Austin']), newsletter: r.next() < 0.5, tags: [r.pick(WORDS), r.pick(WORDS)] }));
  }
  return withBody(r, 'POST', '/api/v1/events', 'application/json', JSON.stringify({ events: [{ type: 'view', page: r.pick(PATHS), ts: 1716000000 + r.int(100000) }, { type: 'click', target: r.pick(WORDS) }] }));
}

function multipart(r: Rng): CrsRequest {
  const boundary = '----WebKitFormBoundary' + hex(r, 16);
  const file = Buffer.from(`${words(r, 30)}\n`.repeat(1 + r.int(5))).toString('latin1');
  const parts = [
    `--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\n${words(r, 3)}\r\n`,
    `--${boundary}\r\nContent-Disposition: form-data; name="description"\r\n\r\n${words(r, 12)}\r\n`,
    `--${boundary}\r\nContent-Disposition: form-data; name="upload"; filename="${r.pick(WORDS)}-notes.txt"\r\nContent-Type: text/plain\r\n\r\n${file}\r\n`,
    `--${boundary}--\r\n`,
  ];
  return withBody(r, 'POST', '/account/documents', `multipart/form-data; boundary=${boundary}`, parts.join(''));
}

export function generateCorpus(n: number, seed = 42): CrsRequest[] {
  const r = new Rng(seed);
  const out: CrsRequest[] = [];
  for (let i = 0; i < n; i++) {
    const x = r.next();
    out.push(x < 0.45 ? get(r) : x < 0.7 ? form(r) : x < 0.88 ? json(r) : multipart(r));
  }
  return out;
}

/** The harness's corpus format (see bench/modsec/harness.cc). */
export function encodeCorpus(reqs: CrsRequest[]): Buffer {
  const parts: Buffer[] = [];
  for (const q of reqs) {
    const head = [q.method, q.uri, q.version, String(q.headers.length), ...q.headers.flatMap(([k, v]) => [k, v]), String(q.body?.length ?? 0)].join('\n') + '\n';
    parts.push(Buffer.from(head, 'latin1'), q.body ?? Buffer.alloc(0), Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}
