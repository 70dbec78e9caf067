/**
 * The admin API client over a real socket: a Fastify server in this file speaks the agreed routes over an
 * in-memory DingbridgeApi. Results parse, error bodies come back as the same AppErrors (and exit codes through the
 * CLI), a dead address is `server.unreachable`.
 */
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DingbridgeApi } from '../../src/app-api.ts';
import { createAdminApiClient } from '../../src/cli/admin-api-client.ts';
import { connect } from '../../src/cli/connect.ts';
import { AppError } from '../../src/core/index.ts';
import { runCli } from './cli-harness.ts';
import { startFakeAdminServer, type FakeAdminServer } from './fake-admin-server.ts';
import { createInMemoryApi, DIRECTORY, type InMemoryState } from './in-memory-api.ts';

const TOKEN = 'test-admin-token';
const MISSING = '0b6f3c2e-8d1a-4c5e-9f7b-2a4d6e8c0f13';

let server: FakeAdminServer;
let state: InMemoryState;
let client: DingbridgeApi;

beforeAll(async () => {
  const memory = createInMemoryApi();
  state = memory.state;
  server = await startFakeAdminServer(memory.api, TOKEN);
  client = createAdminApiClient({ baseUrl: server.url, token: TOKEN });
});
afterAll(async () => {
  await server.close();
});

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('createAdminApiClient', () => {
  it('goes through every route and parses what comes back', async () => {
    const view = await client.bindings.add({ name: 'Acme', corpId: 'dingclient', appKey: 'k', appSecret: 's' }, { verify: false });
    expect(state.verifyCalls.at(-1)).toBe(false);
    expect(await client.bindings.show(view.id)).toEqual(view);
    expect((await client.bindings.list()).map((b) => b.id)).toContain(view.id);
    expect(await client.bindings.update(view.id, { name: 'Acme Ltd' })).toMatchObject({ name: 'Acme Ltd' });
    expect(state.verifyCalls.at(-1)).toBe(true);
    expect(await client.bindings.check(view.id)).toMatchObject({ bindingId: view.id, ok: true });

    const run = await client.runs.start(view.id, { dryRun: true });
    expect(run).toMatchObject({ status: 'queued', dryRun: true });
    expect(await client.runs.show(run.id)).toMatchObject({ status: 'running' });
    expect((await client.runs.list({ bindingId: view.id, status: 'running', limit: 5 })).map((r) => r.id)).toEqual([run.id]);
    expect((await client.runs.ops(run.id, { offset: 1, limit: 1 })).map((op) => op.seq)).toEqual([2]);
    expect(await client.directory.export()).toEqual(DIRECTORY);
    expect(await client.bindings.remove(view.id)).toEqual({ id: view.id, unlinkedAccounts: 3, unlinkedUnits: 1 });
  });

  it('turns error bodies back into the AppErrors the server threw', async () => {
    const notFound = await rejection(client.bindings.show(MISSING));
    expect(notFound).toMatchObject({ code: 'binding.not_found', status: 404, details: { id: MISSING } });
    expect(notFound.message).toContain(MISSING);

    const invalid = await rejection(client.bindings.add({ name: '', corpId: 'x', appKey: 'k', appSecret: 's' }));
    expect(invalid).toMatchObject({ code: 'binding.invalid', status: 400 });
    expect(invalid.details.issues).toEqual([expect.objectContaining({ path: ['name'] })]);

    const run = await client.runs.start((await client.bindings.add({ name: 'B', corpId: 'dingb2', appKey: 'k', appSecret: 's' })).id);
    expect(await rejection(client.runs.approve(run.id))).toMatchObject({ code: 'run.not_held', status: 409 });

    const badToken = createAdminApiClient({ baseUrl: server.url, token: 'wrong' });
    expect(await rejection(badToken.bindings.list())).toMatchObject({ code: 'auth.invalid_token', status: 401 });
  });

  it('a request the server refuses as invalid is request.invalid (400)', async () => {
    // The CLI never sends a limit of 0; a direct caller may, and hears the server's validation.
    expect(await rejection(client.runs.list({ limit: 0 }))).toMatchObject({ code: 'request.invalid', status: 400 });
  });

  it('a refused connection is server.unreachable with a hint', async () => {
    const dead = createServer();
    dead.listen(0, '127.0.0.1');
    await once(dead, 'listening');
    const { port } = dead.address() as AddressInfo;
    dead.close();
    await once(dead, 'close');
    const error = await rejection(createAdminApiClient({ baseUrl: `http://127.0.0.1:${port}`, token: TOKEN }).bindings.list());
    expect(error).toMatchObject({ code: 'server.unreachable', status: 503 });
    expect(error.message).toMatch(/dingbridge serve.*--server/);
  });

  it('a 2xx body that is not the contract is server.bad_response keeping the issues', async () => {
    const liar = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: [{ id: 'nope' }] }));
    });
    liar.listen(0, '127.0.0.1');
    await once(liar, 'listening');
    try {
      const { port } = liar.address() as AddressInfo;
      const error = await rejection(createAdminApiClient({ baseUrl: `http://127.0.0.1:${port}`, token: TOKEN }).bindings.list());
      expect(error).toMatchObject({ code: 'server.bad_response', details: { status: 200, issues: expect.any(Array) } });
    } finally {
      liar.close();
    }
  });
});

describe('the CLI through --server', () => {
  it('prints results and exits by the error the server sent', async () => {
    const env = { DINGBRIDGE_SERVER: server.url, DINGBRIDGE_TOKEN: TOKEN };
    const add = await runCli(['bindings', 'add', '--name', 'Remote', '--corp-id', 'dingremote', '--app-key', 'k', '--app-secret', '-', '--json'], {
      env,
      connect,
      stdin: 'remote-secret\n',
    });
    expect(add.code).toBe(0);
    expect(state.secrets.at(-1)).toBe('remote-secret');
    const { id } = add.json() as { id: string };

    const sync = await runCli(['sync', id, '--wait', '--json'], { env, connect });
    expect(sync.code).toBe(0);
    expect(sync.json()).toMatchObject({ status: 'succeeded' });

    const missing = await runCli(['runs', 'show', MISSING, '--json', '--server', server.url, '--token', TOKEN], { connect });
    expect(missing.code).toBe(1);
    expect(missing.json()).toMatchObject({ error: { code: 'run.not_found', message: `No run with id ${MISSING}.` } });

    const unauthorized = await runCli(['bindings', 'list', '--server', server.url, '--token', 'wrong'], { connect });
    expect(unauthorized.code).toBe(1);
    expect(unauthorized.stderr).toMatch(/\[auth\.invalid_token\]/);

    const noToken = await runCli(['bindings', 'list', '--server', server.url], { connect });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/--token.*DINGBRIDGE_TOKEN/);
  });
});
