// Shared by the TLS tests: a throwaway self-signed certificate and small HTTPS servers/clients
// (python http.server + ssl, node https) that print what the test needs on stdout.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CaptureEvent } from '../src/capture';
import { run, tmpDir, waitForLine, type Netns } from './capture-helpers';

export interface Cert {
  dir: string;
  key: string;
  cert: string;
}

/** A self-signed cert for 127.0.0.1/localhost in a fresh temp dir (valid one day). */
export function makeCert(): Cert {
  const dir = tmpDir();
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost',
    '-keyout', key, '-out', cert,
  ]);
  return { dir, key, cert };
}

export const RESPONSE_BODY = 'proctap secret response body\n';

/** python3 HTTPS server: one response per request, body RESPONSE_BODY + the request path. */
export const PY_HTTPS_SERVER = String.raw`
import http.server, socket, ssl, sys
cert, key = sys.argv[1], sys.argv[2]
host = sys.argv[3] if len(sys.argv) > 3 else '127.0.0.1'
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def do_GET(self):
        body = (${JSON.stringify(RESPONSE_BODY)} + self.path + '\n').encode()
        self.send_response(200)
        self.send_header('Content-Type', 'text/plain')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
class S(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6 if ':' in host else socket.AF_INET
srv = S((host, 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print('LISTEN', srv.server_address[1], flush=True)
srv.serve_forever()
`;

/** node https server: echoes "<conn id> <path>" so each response names its connection. */
export const NODE_HTTPS_SERVER = String.raw`
const https = require('https'), fs = require('fs');
const [cert, key] = process.argv.slice(2);
let conns = 0;
const srv = https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) }, (req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    const out = 'node-server conn=' + req.socket.__id + ' path=' + req.url + ' body=' + body + '\n';
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(out) });
    res.end(out);
  });
});
srv.on('secureConnection', (s) => { s.__id = ++conns; });
srv.listen(0, '127.0.0.1', () => console.log('LISTEN', srv.address().port));
`;

/** node https client: N concurrent requests, each on its own connection; prints
 * "REQ i <localPort> <status>" per request and "DONE" at the end. */
export const NODE_HTTPS_CLIENT = String.raw`
const https = require('https');
const [port, n, ca] = [Number(process.argv[2]), Number(process.argv[3]), require('fs').readFileSync(process.argv[4])];
let left = n;
for (let i = 0; i < n; i++) {
  const agent = new https.Agent({ keepAlive: false, maxSockets: 1 });
  const body = 'client-body-' + i + '-' + 'x'.repeat(i);
  const req = https.request({ host: '127.0.0.1', port, path: '/req/' + i, method: 'POST', ca, agent,
    headers: { 'Content-Length': Buffer.byteLength(body), 'X-Req': String(i) } }, (res) => {
    let data = '';
    res.on('data', (d) => (data += d));
    res.on('end', () => {
      console.log('REQ', i, req.socket.localPort, res.statusCode, JSON.stringify(data));
      if (--left === 0) console.log('DONE');
    });
  });
  req.on('error', (e) => { console.log('ERR', i, e.message); process.exitCode = 1; });
  req.end(body);
}
`;

export async function startPyHttps(ns: Netns, cert: Cert, host = '127.0.0.1') {
  const script = path.join(cert.dir, 'server.py');
  fs.writeFileSync(script, PY_HTTPS_SERVER);
  const child = ns.spawn('python3', [script, cert.cert, cert.key, host]);
  const m = await waitForLine(child, /LISTEN (\d+)/);
  return { child, port: Number(m[1]) };
}

export async function startNodeHttps(ns: Netns, cert: Cert) {
  const script = path.join(cert.dir, 'server.js');
  fs.writeFileSync(script, NODE_HTTPS_SERVER);
  const child = ns.spawn('node', [script, cert.cert, cert.key]);
  const m = await waitForLine(child, /LISTEN (\d+)/);
  return { child, port: Number(m[1]) };
}

export function nodeClientScript(cert: Cert): string {
  const script = path.join(cert.dir, 'client.js');
  fs.writeFileSync(script, NODE_HTTPS_CLIENT);
  return script;
}

export const isTls = (e: CaptureEvent) => e.type === 'tls_write' || e.type === 'tls_read';

export function plaintext(evs: CaptureEvent[], pred: (e: CaptureEvent) => boolean): string {
  return Buffer.concat(evs.filter(pred).map((e) => e.payload)).toString('latin1');
}

export function describeTls(evs: CaptureEvent[]): string {
  return evs
    .filter(isTls)
    .slice(0, 80)
    .map(
      (e) =>
        `  ${e.type} ${e.comm}[${e.pid}/${e.tid}] ssl=${e.tlsContext?.toString(16)} sock=${e.socketCookie} link=${e.tlsLink} ${e.localAddr}:${e.localPort}->${e.remoteAddr}:${e.remotePort} ${e.role} len=${e.len} ${JSON.stringify(e.payload.toString('latin1', 0, 50))}`,
    )
    .join('\n');
}
