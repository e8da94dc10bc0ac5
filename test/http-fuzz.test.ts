// Fuzzing the HTTP/1.x parser (bounded time): random and mutated streams never throw, never
// hang, keep memory bounded, and give the same transactions whatever the chunking.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSession, summary, type Step } from './http-helpers';
import { seededRandom } from '../src/util/rng';


// Pieces that steer random input into the parser's interesting states.
const TOKENS = [
  'GET ', 'POST ', 'HEAD ', 'CONNECT ', 'PUT ', '/path?x=1 ', ' HTTP/1.1', ' HTTP/1.0', 'HTTP/1.1 ', '200 OK', '100 Continue', '101 Switching', '204 ', '304 ',
  '\r\n', '\n', '\r', '\r\n\r\n', ' ', '\t', ':', ': ', 'Host: h', 'Content-Length: ', 'Transfer-Encoding: chunked', 'Transfer-Encoding : chunked',
  'Content-Encoding: gzip', 'Upgrade: websocket', 'Expect: 100-continue', '0', '1', '5', 'a', 'ff', '10', ';ext=1', '\x00', '\xff', 'X'.repeat(40), '0\r\n\r\n',
];

function randomStream(r: () => number, n: number): string {
  let s = '';
  while (s.length < n) {
    const k = r();
    if (k < 0.7) s += TOKENS[Math.floor(r() * TOKENS.length)];
    else if (k < 0.85) s += String(Math.floor(r() * 200));
    else s += String.fromCharCode(Math.floor(r() * 256));
  }
  return s;
}

const VALID_REQ = 'POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nwiki\r\n5\r\npedia\r\n0\r\nT: 1\r\n\r\nGET /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcHEAD /c HTTP/1.0\r\n\r\n';
const VALID_RESP = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcdHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nxyz\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n';

function mutate(r: () => number, base: string, edits: number): string {
  const b = Buffer.from(base, 'latin1');
  let out = b;
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(r() * out.length);
    const k = r();
    if (k < 0.3) out[at] = Math.floor(r() * 256);
    else if (k < 0.5) out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1 + Math.floor(r() * 8))]);
    else if (k < 0.8) out = Buffer.concat([out.subarray(0, at), Buffer.from(TOKENS[Math.floor(r() * TOKENS.length)], 'latin1'), out.subarray(at)]);
    else {
      const from = Math.floor(r() * out.length);
      out = Buffer.concat([out.subarray(0, at), out.subarray(from, from + Math.floor(r() * 30)), out.subarray(at)]);
    }
  }
  return out.toString('latin1');
}

function randomSplit(r: () => number) {
  return (n: number) => {
    const parts: number[] = [];
    let left = n;
    while (left > 0) {
      const k = Math.min(left, 1 + Math.floor(r() * (r() < 0.5 ? 4 : 64)));
      parts.push(k);
      left -= k;
    }
    return parts;
  };
}

function check(steps: Step[], r: () => number, label: string) {
  const opts = { limits: { maxLineBytes: 512, maxHeaderBytes: 2048, bodyCap: 4096 } };
  let base;
  try {
    base = summary(runSession(steps, undefined, opts));
  } catch (e) {
    assert.fail(`${label}: threw ${(e as Error).stack}\ninput ${JSON.stringify(steps)}`);
  }
  const other = summary(runSession(steps, randomSplit(r), opts));
  assert.deepEqual(other, base, `${label}: chunking changed the result for ${JSON.stringify(steps)}`);
}

function budget(ms: number, body: (i: number) => void): number {
  const end = Date.now() + ms;
  let i = 0;
  while (Date.now() < end) body(i++);
  return i;
}

test('random HTTP-ish streams: no throw, split-invariant', () => {
  const r = seededRandom(Number(process.env.FUZZ_SEED ?? 12345));
  const n = budget(4000, (i) => {
    check([{ dir: 'to_server', data: randomStream(r, 50 + Math.floor(r() * 400)) }, { dir: 'to_client', data: randomStream(r, 50 + Math.floor(r() * 400)) }], r, `random #${i}`);
  });
  console.log(`http fuzz (random): ${n} cases`);
  assert.ok(n > 100);
});

test('mutated valid conversations: no throw, split-invariant', () => {
  const r = seededRandom(Number(process.env.FUZZ_SEED ?? 777));
  const n = budget(4000, (i) => {
    const edits = 1 + Math.floor(r() * 6);
    check([{ dir: 'to_server', data: mutate(r, VALID_REQ, edits) }, { dir: 'to_client', data: mutate(r, VALID_RESP, edits) }], r, `mutated #${i}`);
  });
  console.log(`http fuzz (mutated): ${n} cases`);
  assert.ok(n > 100);
});

test('random bytes with gaps: no throw, no hang', () => {
  const r = seededRandom(Number(process.env.FUZZ_SEED ?? 4242));
  const n = budget(3000, () => {
    const steps: Step[] = [];
    for (let k = 0; k < 6; k++) {
      const data = r() < 0.5 ? randomStream(r, 100) : mutate(r, r() < 0.5 ? VALID_REQ : VALID_RESP, 3);
      steps.push({ dir: r() < 0.5 ? 'to_server' : 'to_client', data, lost: r() < 0.3 ? Math.floor(r() * 50) : undefined });
    }
    runSession(steps, randomSplit(r), { limits: { maxLineBytes: 256, maxHeaderBytes: 1024, bodyCap: 1024 } });
  });
  console.log(`http fuzz (gaps): ${n} cases`);
  assert.ok(n > 100);
});

test('large random inputs finish quickly (no quadratic paths)', () => {
  const r = seededRandom(99);
  for (const size of [200_000, 1_000_000]) {
    const data = randomStream(r, size);
    const t0 = Date.now();
    runSession([{ dir: 'to_server', data }, { dir: 'to_client', data }], (n) => Array(Math.ceil(n / 1400)).fill(1400).map((v, i, a) => (i === a.length - 1 ? n - 1400 * (a.length - 1) : v)));
    const ms = Date.now() - t0;
    assert.ok(ms < 5000, `${size} bytes took ${ms} ms`);
  }
  // A header block of a million bytes with no end, one byte at a time: bounded and linear.
  const t0 = Date.now();
  const ev = runSession([{ dir: 'to_server', data: 'GET / HTTP/1.1\r\n' + 'X: y\r\n'.repeat(20000) }], (n) => Array(n).fill(1), { limits: { maxHeaderBytes: 4096 } });
  assert.ok(Date.now() - t0 < 5000);
  assert.equal(ev.length, 1);
});
