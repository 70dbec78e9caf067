/**
 * The admin REST API in-process (`app.inject`) over a hand-written in-memory DingbridgeApi: every route, auth,
 * validation, error mapping, the OpenAPI document checked against real-shaped answers, /docs, /metrics, /readyz.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { FastifyInstance, InjectOptions } from 'fastify';

/* eslint-disable @typescript-eslint/no-explicit-any -- answers and the document are read as loose JSON; their shapes
   are what the assertions (and the validators) check. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/index.ts';
import { BODY_LIMIT } from '../../src/http/index.ts';
import { bindingView, runOpView, runView } from './in-memory-api.ts';
import { GOOD_TOKEN, startTestServer, type TestServer } from './test-server.ts';

let server: TestServer;
let app: FastifyInstance;
/** Every answer of the route tests, to check against the OpenAPI document at the end. */
const answers: { method: string; path: string; status: number; body: unknown }[] = [];

beforeAll(async () => {
  server = await startTestServer();
  app = server.app;
});
afterAll(async () => {
  await app.close();
});

async function call(method: InjectOptions['method'], url: string, options: { body?: unknown; auth?: boolean; headers?: Record<string, string> } = {}) {
  const response = await app.inject({
    method,
    url,
    headers: { ...(options.auth === false ? {} : server.auth), ...options.headers },
    ...(options.body === undefined ? {} : { payload: options.body as Record<string, unknown> }),
  });
  const isJson = (response.headers['content-type'] ?? '').toString().startsWith('application/json');
  const body: unknown = isJson ? response.json() : response.body;
  answers.push({ method: String(method), path: url.split('?')[0]!, status: response.statusCode, body });
  return { status: response.statusCode, body: body as any, headers: response.headers };
}

const validBinding = { name: 'Acme', corpId: 'dingacme', appKey: 'key', appSecret: 'secret-value' };

describe('bindings routes', () => {
  let id: string;

  it('POST /api/v1/bindings creates (201) and verifies by default', async () => {
    const res = await call('POST', '/api/v1/bindings', { body: validBinding });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'Acme', corpId: 'dingacme', appSecretSet: true });
    expect(res.body).not.toHaveProperty('appSecret');
    expect(server.api.calls.at(-1)).toEqual({ method: 'bindings.add', args: [validBinding, { verify: true }] });
    id = res.body.id;
  });

  it('passes ?verify=false on', async () => {
    const res = await call('POST', '/api/v1/bindings?verify=false', { body: { ...validBinding, corpId: 'dingother' } });
    expect(res.status).toBe(201);
    expect(server.api.calls.at(-1)?.args[1]).toEqual({ verify: false });
  });

  it('GET lists and shows', async () => {
    const list = await call('GET', '/api/v1/bindings');
    expect(list.status).toBe(200);
    expect(list.body.items.map((b: { corpId: string }) => b.corpId)).toEqual(['dingacme', 'dingother']);
    const one = await call('GET', `/api/v1/bindings/${id}`);
    expect(one.status).toBe(200);
    expect(one.body.id).toBe(id);
  });

  it('PATCH updates, with ?verify=false passed on', async () => {
    const res = await call('PATCH', `/api/v1/bindings/${id}?verify=false`, { body: { name: 'Acme Ltd' } });
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('Acme Ltd');
    expect(server.api.calls.at(-1)).toEqual({ method: 'bindings.update', args: [id, { name: 'Acme Ltd' }, { verify: false }] });
  });

  it('POST …/check answers the report', async () => {
    const res = await call('POST', `/api/v1/bindings/${id}/check`);
    expect(res.status).toBe(200);
    expect(res.body.items[1]).toMatchObject({ key: 'permission:qyapi_get_member', status: 'missing' });
  });

  it('takes an empty body sent as JSON as no body', async () => {
    const res = await call('POST', `/api/v1/bindings/${id}/check`, { body: '', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    const sync = await call('POST', `/api/v1/bindings/${id}/sync`, { body: '', headers: { 'content-type': 'application/json' } });
    expect(sync.status).toBe(202);
  });

  it('refuses __proto__ keys in a body', async () => {
    const res = await call('POST', '/api/v1/bindings', {
      body: '{"name":"a","corpId":"c","appKey":"k","appSecret":"s","mapping":{"__proto__":{"x":1}}}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('request.invalid');
  });

  it('POST …/sync queues a run (202), with or without a body', async () => {
    const plain = await call('POST', `/api/v1/bindings/${id}/sync`);
    expect(plain.status).toBe(202);
    expect(plain.body).toMatchObject({ bindingId: id, status: 'queued', dryRun: false });
    expect(server.api.calls.at(-1)).toEqual({ method: 'runs.start', args: [id, {}] });
    const dry = await call('POST', `/api/v1/bindings/${id}/sync`, { body: { dryRun: true } });
    expect(dry.status).toBe(202);
    expect(dry.body.dryRun).toBe(true);
    const empty = await call('POST', `/api/v1/bindings/${id}/sync`, { body: {} });
    expect(empty.status).toBe(202);
  });

  it('DELETE removes', async () => {
    const res = await call('DELETE', `/api/v1/bindings/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id, unlinkedAccounts: 12, unlinkedUnits: 3 });
    const gone = await call('GET', `/api/v1/bindings/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error).toMatchObject({ code: 'binding.not_found', details: { id } });
  });

  it('passes a 409 AppError through', async () => {
    const res = await call('POST', '/api/v1/bindings', { body: { ...validBinding, corpId: 'dingother' } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('binding.corp_id_taken');
  });
});

describe('runs routes', () => {
  const bindingId = '0b8a4a52-0d6c-4d6e-9a43-5a0a1b2c3d4e';
  let held: string;
  let done: string;

  beforeAll(() => {
    server.api.bindingsById.set(bindingId, bindingView({ id: bindingId }));
    const h = runView(bindingId);
    const d = runView(bindingId, {
      status: 'failed',
      step: 'crawl',
      guard: null,
      error: { code: 'dingtalk.permission_denied', message: 'No.', details: { api: 'topapi/v2/user/list' } },
      endedAt: '2026-11-24T10:05:00.000Z',
    });
    held = h.id;
    done = d.id;
    server.api.runsById.set(h.id, h);
    server.api.runsById.set(d.id, d);
    server.api.opsByRun.set(h.id, [
      runOpView(1),
      runOpView(2, { op: 'unit.create', targetKind: 'unit', externalId: '4000000001', status: 'planned', before: null }),
      runOpView(3, { op: 'membership.remove', targetKind: 'membership', externalId: '1/abc', status: 'failed', reason: 'x', localId: null }),
    ]);
  });

  it('GET /api/v1/runs filters and coerces the query', async () => {
    const res = await call('GET', `/api/v1/runs?bindingId=${bindingId}&status=held&limit=5`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((r: { id: string }) => r.id)).toEqual([held]);
    expect(server.api.calls.at(-1)?.args[0]).toEqual({ bindingId, status: 'held', limit: 5 });
    const defaults = await call('GET', '/api/v1/runs');
    expect(defaults.status).toBe(200);
    expect(server.api.calls.at(-1)?.args[0]).toEqual({ limit: 50 });
  });

  it('GET /api/v1/runs/:id and its ops', async () => {
    expect((await call('GET', `/api/v1/runs/${done}`)).body.error).toMatchObject({ code: 'dingtalk.permission_denied' });
    const ops = await call('GET', `/api/v1/runs/${held}/ops?status=failed&offset=0&limit=10`);
    expect(ops.status).toBe(200);
    expect(ops.body.items).toHaveLength(3);
    expect(server.api.calls.at(-1)?.args).toEqual([held, { status: 'failed', offset: 0, limit: 10 }]);
  });

  it('approve and reject; a run that is not held is a 409', async () => {
    const approved = await call('POST', `/api/v1/runs/${held}/approve`);
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('queued');
    const again = await call('POST', `/api/v1/runs/${held}/reject`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('run.not_held');
    server.api.runsById.set(held, { ...server.api.runsById.get(held)!, status: 'held' });
    const rejected = await call('POST', `/api/v1/runs/${held}/reject`);
    expect(rejected.body.status).toBe('rejected');
  });

  it('unknown run ids are 404 run.not_found', async () => {
    const res = await call('GET', '/api/v1/runs/7d9f8f36-1c7a-4a39-9d55-9c0a0c7b6a11/ops');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('run.not_found');
  });
});

describe('directory route', () => {
  it('GET /api/v1/directory exports units and accounts', async () => {
    const res = await call('GET', '/api/v1/directory');
    expect(res.status).toBe(200);
    expect(res.body.units).toHaveLength(2);
    expect(res.body.accounts[0].displayName).toBe('张三');
  });
});

describe('authentication', () => {
  it('refuses a request without a token: 401 auth.required', async () => {
    const res = await call('GET', '/api/v1/bindings', { auth: false });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('auth.required');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  it('refuses an unknown token and a malformed header: 401 auth.invalid_token / auth.required', async () => {
    const bad = await call('GET', '/api/v1/directory', { auth: false, headers: { authorization: `Bearer dbt_${'B'.repeat(43)}` } });
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('auth.invalid_token');
    const basic = await call('GET', '/api/v1/directory', { auth: false, headers: { authorization: 'Basic abc' } });
    expect(basic.body.error.code).toBe('auth.required');
  });

  it('checks the token before validating the request', async () => {
    const res = await call('POST', '/api/v1/bindings', { auth: false, body: { nonsense: true } });
    expect(res.status).toBe(401);
  });

  it('never logs the token', () => {
    expect(server.logText()).not.toContain(GOOD_TOKEN);
    expect(server.logText()).not.toContain('B'.repeat(43));
  });

  it('leaves health, readiness, metrics and the documents open', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs']) {
      const res = await app.inject({ method: 'GET', url: path });
      expect([200, 302], path).toContain(res.statusCode);
    }
  });
});

describe('validation', () => {
  it('names every bad field of a body', async () => {
    const res = await call('POST', '/api/v1/bindings', { body: { name: 'x', appKey: 5, appSecret: 'y', colour: 'red' } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('request.invalid');
    expect(res.body.error.message).toContain('corpId: Required');
    expect(res.body.error.message).toContain('appKey: Invalid input: expected string, received number');
    expect(res.body.error.message).toContain('colour: Unknown field');
    const fields = res.body.error.details.issues.map((issue: { field: string }) => issue.field).sort();
    expect(fields).toEqual(['appKey', 'colour', 'corpId']);
  });

  it('names bad params and query fields, and a missing body', async () => {
    const params = await call('GET', '/api/v1/bindings/not-a-uuid');
    expect(params.status).toBe(400);
    expect(params.body.error.message).toContain('params.id');
    const query = await call('GET', '/api/v1/runs?limit=0&status=bogus');
    expect(query.status).toBe(400);
    expect(query.body.error.message).toContain('query.limit: Too small');
    expect(query.body.error.message).toContain('query.status: Invalid option');
    const noBody = await call('POST', '/api/v1/bindings');
    expect(noBody.status).toBe(400);
    expect(noBody.body.error.message).toContain('A JSON body is required');
  });

  it('answers malformed JSON and a body over 1 MiB with request.* codes', async () => {
    const malformed = await call('POST', '/api/v1/bindings', { body: '{"name":', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('request.invalid');
    const big = await call('POST', '/api/v1/bindings', {
      body: JSON.stringify({ ...validBinding, name: 'x'.repeat(BODY_LIMIT) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('request.too_large');
  });
});

describe('errors', () => {
  it('an unknown route is 404 route.not_found', async () => {
    const res = await call('GET', '/api/v1/nope', { auth: false });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('route.not_found');
  });

  it('a bug is a 500 internal whose details reach only the log', async () => {
    server.api.failWith = new TypeError('secret internals: password=hunter2');
    try {
      const res = await call('GET', '/api/v1/directory');
      expect(res.status).toBe(500);
      expect(res.body.error.code).toBe('internal');
      expect(JSON.stringify(res.body)).not.toContain('hunter2');
      expect(res.body.error).not.toHaveProperty('details');
      expect(server.logText()).toContain('hunter2');
    } finally {
      server.api.failWith = undefined;
    }
  });

  it('an AppError not meant to be shown is a 500 internal too; a shown 5xx keeps its status', async () => {
    server.api.failWith = new AppError('db.connection_lost', 'pool at 10.0.0.5 gone', { status: 503, details: { host: '10.0.0.5' } });
    try {
      const hidden = await call('GET', '/api/v1/bindings');
      expect(hidden.status).toBe(500);
      expect(JSON.stringify(hidden.body)).not.toContain('10.0.0.5');
      server.api.failWith = new AppError('dingtalk.unavailable', 'DingTalk is busy.', { status: 503, expose: true });
      const shown = await call('GET', '/api/v1/bindings');
      expect(shown.status).toBe(503);
      expect(shown.body.error).toMatchObject({ code: 'dingtalk.unavailable', message: 'DingTalk is busy.' });
    } finally {
      server.api.failWith = undefined;
    }
  });

  it('every answer carries a request id; a sane x-request-id is kept', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'proxy-42' } });
    expect(res.headers['x-request-id']).toBe('proxy-42');
    const fresh = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'bad id with spaces' } });
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('health, readiness and metrics', () => {
  it('/healthz is ok', async () => {
    const res = await call('GET', '/healthz', { auth: false });
    expect(res).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('/readyz is 200 when every check passes, 503 naming the failed check otherwise', async () => {
    expect((await call('GET', '/readyz', { auth: false })).status).toBe(200);
    server.readiness.result = { ok: false, checks: { database: { ok: true }, migrations: { ok: false, message: 'pending: 0003' } } };
    const failed = await call('GET', '/readyz', { auth: false });
    expect(failed.status).toBe(503);
    expect(failed.body).toEqual({
      status: 'not_ready',
      checks: { database: { ok: true }, migrations: { ok: false, message: 'pending: 0003' } },
    });
    server.readiness.result = new Error('connection refused');
    const threw = await call('GET', '/readyz', { auth: false });
    expect(threw.status).toBe(503);
    expect(threw.body.checks.readiness.ok).toBe(false);
    server.readiness.result = { ok: true, checks: {} };
  });

  it('/metrics exposes the Prometheus text with our metric names', async () => {
    server.metrics.observeCall({ api: 'topapi/v2/user/list', durationMs: 40, outcome: 'throttled', attempt: 1 });
    server.metrics.observeRunEnded('full', 'succeeded');
    server.metrics.observeOps('account.create', 'applied', 3);
    server.metrics.observeStep('crawl', 1.5);
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    for (const name of [
      'dingbridge_sync_runs_total',
      'dingbridge_sync_ops_total',
      'dingbridge_sync_step_seconds_bucket',
      'dingbridge_dingtalk_calls_total',
      'dingbridge_dingtalk_throttles_total',
      'process_cpu_user_seconds_total',
    ]) {
      expect(res.body).toContain(name);
    }
    expect(res.body).toContain('dingbridge_dingtalk_throttles_total{api="topapi/v2/user/list"} 1');
  });
});

describe('OpenAPI document and /docs', () => {
  let document: any;

  beforeAll(async () => {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    document = JSON.parse(res.body);
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.info.version).toBe('9.8.7');
    expect(document.servers).toEqual([{ url: 'https://dingbridge.example.com' }]);
  });

  it('lists every route with its schemas', () => {
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods as object).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(
      [
        'GET /api/v1/bindings',
        'POST /api/v1/bindings',
        'GET /api/v1/bindings/{id}',
        'PATCH /api/v1/bindings/{id}',
        'DELETE /api/v1/bindings/{id}',
        'POST /api/v1/bindings/{id}/check',
        'POST /api/v1/bindings/test',
        'POST /api/v1/bindings/{id}/preview-mapping',
        'POST /api/v1/bindings/{id}/sync',
        'GET /api/v1/runs',
        'GET /api/v1/runs/{id}',
        'GET /api/v1/runs/{id}/ops',
        'POST /api/v1/runs/{id}/approve',
        'POST /api/v1/runs/{id}/reject',
        'GET /api/v1/directory',
        'GET /healthz',
        'GET /readyz',
        'GET /metrics',
      ].sort(),
    );
    const add = document.paths['/api/v1/bindings'].post;
    expect(add.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/BindingCreateInput');
    expect(add.parameters).toContainEqual(expect.objectContaining({ name: 'verify', in: 'query', required: false }));
    expect(add.responses['201'].content['application/json'].schema.$ref).toBe('#/components/schemas/BindingView');
    expect(add.security).toEqual([{ bearerAuth: [] }]);
    expect(document.paths['/healthz'].get.security).toEqual([]);
    const ops = document.paths['/api/v1/runs/{id}/ops'].get;
    expect(ops.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual([
      'path:id',
      'query:status',
      'query:op',
      'query:offset',
      'query:limit',
    ]);
    expect(document.components.schemas.BindingCreateInput.required).toEqual(expect.arrayContaining(['name', 'corpId', 'appKey', 'appSecret']));
    expect(JSON.stringify(document)).not.toContain('#/$defs/');
  });

  it("describes the answers the routes really gave (every answer validates against its operation's schema)", () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ components: document.components }, 'doc');
    const resolve = (schema: unknown): unknown =>
      JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/'));
    let checked = 0;
    for (const answer of answers) {
      const template = Object.keys(document.paths).find((p) =>
        new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(answer.path),
      );
      const operation = template ? document.paths[template][answer.method.toLowerCase()] : undefined;
      if (!operation) continue;
      const response = operation.responses[String(answer.status)] ?? operation.responses.default;
      expect(response, `${answer.method} ${answer.path} answered ${answer.status}, which the document does not list`).toBeDefined();
      const media = Object.values(response.content as Record<string, { schema: unknown }>)[0]!;
      const validate = ajv.compile(resolve(media.schema) as object);
      expect(validate(answer.body), `${answer.method} ${answer.path} ${answer.status}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('/docs serves the reference UI and its assets from the server', async () => {
    let page = '/docs';
    let res = await app.inject({ method: 'GET', url: page });
    if (res.statusCode === 302) {
      page = new URL(String(res.headers.location), 'http://local/docs').pathname;
      res = await app.inject({ method: 'GET', url: page });
    }
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const assets = [...res.body.matchAll(/(?:src|href)="\.?\/?([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.some((a) => a.includes('swagger-ui-bundle.js'))).toBe(true);
    expect(res.body).not.toMatch(/https?:\/\/(?!dingbridge\.example)/);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    for (const asset of assets) {
      const url = new URL(asset, `http://local${page}`).pathname;
      const got = await app.inject({ method: 'GET', url });
      expect(got.statusCode, url).toBe(200);
    }
    const initializer = await app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
    expect(initializer.statusCode).toBe(200);
    const json = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(JSON.parse(json.body).openapi).toBe('3.1.0');
  });
});
