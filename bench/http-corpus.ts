import { seededRandom } from '../src/util/rng';
// A realistic HTTP/1.1 corpus for the benchmarks: keep-alive connections of browser-like GETs,
// form and JSON POSTs, chunked uploads; HTML/JSON/asset responses with Content-Length or chunked
// bodies, 304s. Deterministic (seeded), built once per run.


const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const PATHS = ['/', '/index.html', '/api/v1/users/12345', '/static/js/app.3f9a2c.js', '/static/css/main.css', '/search?q=proctap+sensor&page=2', '/images/logo.png', '/api/v1/orders?status=open&limit=50'];

export interface Conversation {
  toServer: Buffer;
  toClient: Buffer;
  transactions: number;
}

export function buildCorpus(conversations: number, txPerConversation = 10, seed = 42): Conversation[] {
  const r = seededRandom(seed);
  const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)];
  const text = (n: number) => {
    const words = ['lorem', 'ipsum', 'dolor', 'sit', 'amet', 'proctap', 'sensor', 'flow', 'stream', '<div class="x">', '</div>', '\n'];
    let s = '';
    while (s.length < n) s += pick(words) + ' ';
    return s.slice(0, n);
  };
  const out: Conversation[] = [];
  for (let c = 0; c < conversations; c++) {
    const q: string[] = [];
    const s: string[] = [];
    for (let t = 0; t < txPerConversation; t++) {
      const cookie = `session=${Math.floor(r() * 1e12).toString(36)}; theme=dark; _ga=GA1.2.${Math.floor(r() * 1e9)}`;
      const common = `Host: www.example.test\r\nUser-Agent: ${UA}\r\nAccept-Language: en-US,en;q=0.9\r\nAccept-Encoding: gzip, deflate, br\r\nCookie: ${cookie}\r\nConnection: keep-alive\r\n`;
      const k = r();
      if (k < 0.6) {
        q.push(`GET ${pick(PATHS)} HTTP/1.1\r\n${common}Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nReferer: https://www.example.test/\r\n\r\n`);
      } else if (k < 0.8) {
        const body = `name=${text(20).replace(/\W/g, '')}&email=user%40example.test&comment=${encodeURIComponent(text(200 + Math.floor(r() * 800)))}`;
        q.push(`POST /form/submit HTTP/1.1\r\n${common}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      } else if (k < 0.93) {
        const body = JSON.stringify({ id: Math.floor(r() * 1e6), items: Array.from({ length: 5 + Math.floor(r() * 40) }, (_, i) => ({ i, v: text(20) })) });
        q.push(`POST /api/v1/items HTTP/1.1\r\n${common}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      } else {
        const chunks = Array.from({ length: 3 + Math.floor(r() * 5) }, () => text(100 + Math.floor(r() * 2000)));
        q.push(`PUT /upload/file.bin HTTP/1.1\r\n${common}Transfer-Encoding: chunked\r\n\r\n${chunks.map((x) => `${Buffer.byteLength(x).toString(16)}\r\n${x}\r\n`).join('')}0\r\n\r\n`);
      }
      const rk = r();
      const srvHead = `Date: Sat, 28 Nov 2026 22:00:00 GMT\r\nServer: nginx/1.24.0\r\nCache-Control: private, max-age=0\r\nX-Request-Id: ${Math.floor(r() * 1e15).toString(16)}\r\n`;
      if (rk < 0.15) {
        s.push(`HTTP/1.1 304 Not Modified\r\n${srvHead}ETag: "${Math.floor(r() * 1e9).toString(16)}"\r\n\r\n`);
      } else if (rk < 0.7) {
        const body = text(1000 + Math.floor(r() * 30000));
        s.push(`HTTP/1.1 200 OK\r\n${srvHead}Content-Type: text/html; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nSet-Cookie: a=${t}; Path=/; HttpOnly\r\n\r\n${body}`);
      } else {
        const parts = Array.from({ length: 2 + Math.floor(r() * 6) }, () => text(200 + Math.floor(r() * 4000)));
        s.push(`HTTP/1.1 200 OK\r\n${srvHead}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${parts.map((x) => `${Buffer.byteLength(x).toString(16)}\r\n${x}\r\n`).join('')}0\r\n\r\n`);
      }
    }
    out.push({ toServer: Buffer.from(q.join(''), 'latin1'), toClient: Buffer.from(s.join(''), 'latin1'), transactions: txPerConversation });
  }
  return out;
}

/** Splits a buffer into views of `size` bytes (the last one shorter). */
export function chunks(b: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.subarray(i, i + size));
  return out;
}
