// A webhook receiver for the e2e tests (tests/e2e/webhooks_test.cpp): it
// checks every delivery with the Standard Webhooks specification's published
// library (npm `standardwebhooks`), never with authd's code, and remembers
// what arrived so the tests can ask.
//
// Endpoints are named: authd posts to /hook/<name>. The tests set each one up
// before registering it with authd, and read what it received:
//   PUT  /_control/<name>      {secret, fail?: N, failStatus?: 500, hold?: N, holdMs?: 30000}
//        the endpoint's signing secret (whsec_…); the next `fail` deliveries are answered
//        `failStatus`; the next `hold` deliveries get no answer for `holdMs` (an attempt in
//        flight, for the kill -9 test). Setting it again keeps what it received.
//   GET  /_control/<name>      {received: [{webhookId, timestamp, type, verified, error,
//                               answered, body}], setup}
// The endpoint named "operator" is set up at start with RECEIVER_OPERATOR_SECRET (the test
// stack's WEBHOOK_SECRET), for WEBHOOK_URL. A delivery to an endpoint nobody set up is
// answered 404 and recorded as unverified.
// Listens on 127.0.0.1 only. Usage: node scripts/webhook-receiver.mjs PORT
// (scripts/stack.sh starts and stops it by PID).
import http from 'node:http';

import { Webhook } from 'standardwebhooks';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error('usage: node webhook-receiver.mjs PORT');
  process.exit(2);
}

const MAX_BODY = 1 << 20;
const NAME = /^[A-Za-z0-9_-]{1,100}$/;
const endpoints = new Map();  // name -> {setup, received: []}

function endpoint(name) {
  let e = endpoints.get(name);
  if (!e) {
    e = { setup: null, received: [] };
    endpoints.set(name, e);
  }
  return e;
}

if (process.env.RECEIVER_OPERATOR_SECRET) {
  endpoint('operator').setup = { secret: process.env.RECEIVER_OPERATOR_SECRET, fail: 0, failStatus: 500, hold: 0, holdMs: 30000 };
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function answer(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function verify(setup, body, headers) {
  if (!setup) return { verified: false, error: 'no such endpoint' };
  try {
    new Webhook(setup.secret).verify(body, {
      'webhook-id': headers['webhook-id'] ?? '',
      'webhook-timestamp': headers['webhook-timestamp'] ?? '',
      'webhook-signature': headers['webhook-signature'] ?? '',
    });
    return { verified: true, error: null };
  } catch (err) {
    return { verified: false, error: String(err && err.message ? err.message : err) };
  }
}

async function onHook(name, req, res) {
  const body = await readBody(req);
  const e = endpoint(name);
  const { verified, error } = verify(e.setup, body, req.headers);
  let type = null;
  try {
    type = JSON.parse(body).type ?? null;
  } catch {
    type = null;
  }
  const entry = {
    webhookId: req.headers['webhook-id'] ?? null,
    timestamp: req.headers['webhook-timestamp'] ?? null,
    userAgent: req.headers['user-agent'] ?? null,
    contentType: req.headers['content-type'] ?? null,
    type,
    verified,
    error,
    answered: null,
    body,
  };
  e.received.push(entry);
  if (!e.setup) {
    entry.answered = 404;
    answer(res, 404, { error: 'no such endpoint' });
    return;
  }
  if (e.setup.hold > 0) {
    e.setup.hold -= 1;
    entry.answered = 'held';
    setTimeout(() => {
      if (!res.writableEnded && !res.destroyed) answer(res, 200, { held: true });
    }, e.setup.holdMs);
    return;
  }
  if (e.setup.fail > 0) {
    e.setup.fail -= 1;
    entry.answered = e.setup.failStatus;
    answer(res, e.setup.failStatus, { failing: true });
    return;
  }
  entry.answered = 200;
  answer(res, 200, { ok: true });
}

async function onControl(name, req, res) {
  if (req.method === 'GET') {
    const e = endpoints.get(name);
    answer(res, 200, { received: e ? e.received : [], setup: e && e.setup ? { ...e.setup, secret: undefined } : null });
    return;
  }
  if (req.method !== 'PUT') {
    answer(res, 405, { error: 'GET or PUT' });
    return;
  }
  let setup;
  try {
    setup = JSON.parse(await readBody(req));
  } catch {
    answer(res, 400, { error: 'a JSON body' });
    return;
  }
  if (typeof setup.secret !== 'string' || setup.secret.length === 0) {
    answer(res, 400, { error: 'secret is required' });
    return;
  }
  endpoint(name).setup = {
    secret: setup.secret,
    fail: Number(setup.fail ?? 0),
    failStatus: Number(setup.failStatus ?? 500),
    hold: Number(setup.hold ?? 0),
    holdMs: Number(setup.holdMs ?? 30000),
  };
  answer(res, 200, { ok: true });
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://receiver');
  const parts = url.pathname.split('/').filter(Boolean);
  const handle = async () => {
    if (parts.length === 0 && req.method === 'GET') return answer(res, 200, { ok: true });
    if (parts.length === 2 && NAME.test(parts[1])) {
      if (parts[0] === 'hook' && req.method === 'POST') return onHook(parts[1], req, res);
      if (parts[0] === '_control') return onControl(parts[1], req, res);
    }
    return answer(res, 404, { error: 'not found' });
  };
  handle().catch((err) => {
    if (!res.headersSent) answer(res, 400, { error: String(err.message ?? err) });
  });
});

server.listen(port, '127.0.0.1', () => console.log(`webhook receiver on 127.0.0.1:${port}`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
