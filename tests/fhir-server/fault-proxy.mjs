// Fault-injecting HTTP proxy for the Check-in Kiosk sync tests (test use only).
//   node fault-proxy.mjs --target http://127.0.0.1:P --port 0 --seed N --rate 0.3 [--faults delay,reset,...]
// stdout gets exactly one line, `LISTENING http://127.0.0.1:<port>`; stderr one line per request.
// With probability `rate` a request gets one fault drawn from a seeded PRNG. Except for
// `truncated` (always after) and `delay`, each fault is injected either BEFORE forwarding (the
// server never sees the request) or AFTER the server processed it (its answer is thrown away),
// which is the case that makes idempotent retries matter. GET /__proxy/stats returns counters:
// requests, forwarded (sent upstream), delivered (upstream answer passed on intact, possibly
// delayed), upstream_errors (502 sent), faults by kind, faults_after_upstream.
import http from 'node:http';
import { parseArgs } from 'node:util';

const KINDS = ['delay', 'reset', 'status500', 'status503', 'status429', 'truncated', 'status408'];
const { values: opt } = parseArgs({ options: { target: { type: 'string' }, port: { type: 'string', default: '0' },
  seed: { type: 'string', default: '1' }, rate: { type: 'string', default: '0.3' }, faults: { type: 'string' },
  'delay-ms': { type: 'string' } } });
if (!opt.target) { process.stderr.write('usage: fault-proxy.mjs --target http://127.0.0.1:P [--port 0] [--seed N] [--rate 0.3] [--faults k1,k2]\n'); process.exit(2); }
const target = new URL(opt.target);
let rate = Number(opt.rate); // POST /__proxy/rate?value=R changes it while running
const fixedDelayMs = opt['delay-ms'] === undefined ? undefined : Number(opt['delay-ms']);
const kinds = opt.faults ? opt.faults.split(',') : KINDS;
for (const k of kinds) if (!KINDS.includes(k)) { process.stderr.write(`unknown fault ${k}; known: ${KINDS}\n`); process.exit(2); }

// mulberry32: small, seedable, good enough to pick faults reproducibly.
let s = Number(opt.seed) >>> 0;
const rng = () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
const stats = { requests: 0, forwarded: 0, delivered: 0, upstream_errors: 0, faults: Object.fromEntries(KINDS.map((k) => [k, 0])), faults_after_upstream: 0 };
const agent = new http.Agent({ keepAlive: true });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const outcome = (code, text) => JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics: text }] });

function forward(req, body) {
  stats.forwarded++;
  const headers = { ...req.headers }; delete headers.connection; delete headers['keep-alive']; delete headers.expect; // Host kept: links point back here
  return new Promise((resolve, reject) => {
    const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent }, (res) => {
      const chunks = []; res.on('data', (c) => chunks.push(c)); res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    up.on('error', reject); up.end(body);
  });
}
function sendStatus(res, status) {
  const text = { 500: ['exception', 'injected 500'], 503: ['transient', 'injected 503'], 429: ['throttled', 'injected 429'], 408: ['timeout', 'injected 408'] }[status];
  res.writeHead(status, { 'Content-Type': 'application/fhir+json', ...(status === 429 && { 'Retry-After': '1' }) });
  res.end(outcome(...text));
}
const reset = (res) => (res.socket.resetAndDestroy ? res.socket.resetAndDestroy() : res.socket.destroy());

const server = http.createServer(async (req, res) => {
  const t0 = performance.now();
  const path = new URL(req.url, 'http://x').pathname;
  if (path === '/__proxy/stats') { res.writeHead(200, { 'Content-Type': 'application/json' }); return res.end(JSON.stringify({ ...stats, rate })); }
  if (path === '/__proxy/rate' && req.method === 'POST') {
    const value = Number(new URL(req.url, 'http://x').searchParams.get('value'));
    if (!(value >= 0 && value <= 1)) { res.writeHead(400); return res.end(); }
    rate = value; res.writeHead(204); return res.end();
  }
  stats.requests++;
  // Draw everything for this request now, in arrival order, so a seed replays the same faults.
  const fault = rng() < rate ? kinds[Math.floor(rng() * kinds.length)] : null;
  const after = fault === 'truncated' || (fault !== 'delay' && fault !== null && rng() < 0.5);
  const delayMs = fault === 'delay' ? (fixedDelayMs ?? 500 + Math.floor(rng() * 2500)) : 0;
  if (fault) { stats.faults[fault]++; if (after) stats.faults_after_upstream++; }
  let note = fault ? `${fault}${after ? '(after)' : delayMs ? `(${delayMs}ms)` : '(before)'}` : 'clean';
  try {
    const chunks = []; for await (const c of req) chunks.push(c);
    if (delayMs) await sleep(delayMs);
    if (fault && fault !== 'delay' && !after) {
      if (fault === 'reset') reset(res); else sendStatus(res, Number(fault.slice(6)));
      return;
    }
    let up;
    try { up = await forward(req, Buffer.concat(chunks)); } catch (err) {
      stats.upstream_errors++; note += ` upstream-error(${err.code ?? err.message})`;
      res.writeHead(502, { 'Content-Type': 'application/fhir+json' }); return res.end(outcome('transient', 'upstream unreachable'));
    }
    note += ` upstream=${up.status}`;
    const headers = { ...up.headers }; delete headers.connection; delete headers['keep-alive']; delete headers['transfer-encoding'];
    headers['content-length'] = String(up.body.length);
    if (fault === 'truncated') { // the server's own status and headers, then half the body, then the connection dies
      res.writeHead(up.status, headers); res.write(up.body.subarray(0, Math.floor(up.body.length / 2)));
      return setTimeout(() => reset(res), 20);
    }
    if (fault === 'reset') return reset(res);
    if (fault && fault !== 'delay') return sendStatus(res, Number(fault.slice(6)));
    stats.delivered++; res.writeHead(up.status, headers); res.end(up.body);
  } finally {
    // Path and fault only: no bodies, no query values.
    process.stderr.write(`${req.method} ${path} ${note} ${(performance.now() - t0).toFixed(1)}ms\n`);
  }
});
server.listen(Number(opt.port), '127.0.0.1', () => process.stdout.write(`LISTENING http://127.0.0.1:${server.address().port}\n`));
const stop = () => { server.close(() => process.exit(0)); server.closeAllConnections(); setTimeout(() => process.exit(0), 1000).unref(); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
