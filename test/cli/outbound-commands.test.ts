/**
 * `dingbridge outbound log|retry|push-all` in-process: over the CLI's in-memory API (human tables, `--json`
 * against the contract schemas, exit codes for bad ids and flags), and through the product's HTTP routes
 * (`outboundRoutes` on `createHttpServer`) with the admin API client, so the client's paths and parsing are real.
 * The delivery itself is tested end to end in test/outbound/outbound-cli-crash.test.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { FastifyInstance } from 'fastify';
import { bindingViewSchema, type BindingView } from '../../src/bindings/binding-contract.ts';
import { createAdminApiClient } from '../../src/cli/admin-api-client.ts';
import { connect } from '../../src/cli/connect.ts';
import { AppError } from '../../src/core/index.ts';
import { createHttpServer, createMetrics } from '../../src/http/index.ts';
import { outboundRoutes } from '../../src/http/outbound.routes.ts';
import { executeAdditionResultSchema, outboundLogSchema, type OutboundLogEntry } from '../../src/outbound/outbound-contract.ts';
import { connectTo, runCli } from './cli-harness.ts';
import { createInMemoryApi, type InMemoryState } from './in-memory-api.ts';

const MISSING = '0b6f3c2e-8d1a-4c5e-9f7b-2a4d6e8c0f13';
const UNIT = '9a3e1f7c-4b2d-4e8f-9c1a-00000000000a';
const ACCOUNT = '5c7d2e1f-0a9b-4c8d-8e7f-00000000000a';

const entry = (seq: number, fields: Partial<OutboundLogEntry>): OutboundLogEntry => ({
  seq,
  at: `2026-11-24T08:00:0${seq}.000Z`,
  objectKind: 'account',
  objectId: ACCOUNT,
  objectName: '张 外推',
  operation: 'create',
  status: 'delivered',
  externalId: `db${ACCOUNT.replaceAll('-', '')}`,
  request: { name: '张 外推' },
  errcode: null,
  error: null,
  attempt: 1,
  ...fields,
});

let state: InMemoryState;
let connection: ReturnType<typeof connectTo>;
let binding: BindingView;

beforeEach(async () => {
  const memory = createInMemoryApi();
  state = memory.state;
  connection = connectTo(memory.api);
  const added = await cli('bindings', 'add', '--name', 'Acme', '--corp-id', 'dingacme', '--app-key', 'k', '--app-secret', 's', '--no-verify', '--outbound', 'on', '--json');
  expect(added.code).toBe(0);
  binding = bindingViewSchema.parse(added.json());
  state.outbound.set(binding.id, {
    entries: [
      entry(3, { status: 'failed', operation: 'delete', objectKind: 'unit', objectId: UNIT, externalId: '42', errcode: null, error: { code: 'outbound.department_has_members', message: 'still has members' }, attempt: 1 }),
      entry(2, { status: 'retrying', errcode: -1, error: { code: 'dingtalk.unavailable' }, attempt: 1, externalId: null }),
      entry(1, { objectKind: 'unit', objectId: UNIT, externalId: '42' }),
    ],
    pending: 1,
    failed: 1,
    plan: { units: [{ id: UNIT, name: 'Later', depth: 1 }], accounts: [{ id: ACCOUNT, username: 'ob.zhang', displayName: '张 外推' }] },
  });
});

function cli(...args: string[]) {
  return runCli(args, { connect: connection.connect });
}

describe('dingbridge outbound (in-memory API)', () => {
  it('log prints a table newest first with DingTalk\'s answer and the outbox; --status and --limit filter; --json is the contract', async () => {
    const human = await cli('outbound', 'log', binding.id);
    expect(human.code).toBe(0);
    const lines = human.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^AT +OBJECT +OPERATION +STATUS +DINGTALK +ATTEMPT +ANSWER$/);
    expect(lines[1]).toContain(`unit ${UNIT}`);
    expect(lines[1]).toMatch(/delete +failed +42 +1 +outbound\.department_has_members$/);
    expect(lines[2]).toMatch(/create +retrying +- +1 +errcode -1 dingtalk\.unavailable$/);
    expect(lines[3]).toMatch(/create +delivered +42 +1 +-$/);
    expect(lines[4]).toBe('Outbox: 1 pending, 1 failed (send them again with `dingbridge outbound retry <bindingId>`).');

    const failed = outboundLogSchema.parse((await cli('outbound', 'log', binding.id, '--status', 'failed', '--json')).json());
    expect(failed.entries.map((e) => e.seq)).toEqual([3]);
    expect(failed.outbox).toEqual({ pending: 1, failed: 1 });
    const newest = outboundLogSchema.parse((await cli('outbound', 'log', binding.id, '--limit', '2', '--json')).json());
    expect(newest.entries.map((e) => e.seq)).toEqual([3, 2]);
  });

  it('log of a binding with no deliveries says so', async () => {
    state.outbound.delete(binding.id);
    const empty = await cli('outbound', 'log', binding.id);
    expect(empty.stdout).toBe('No deliveries yet.\nOutbox: 0 pending, 0 failed.\n');
  });

  it('retry requeues the failed rows, then has nothing to do', async () => {
    const first = await cli('outbound', 'retry', binding.id);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(`Queued 1 failed delivery(ies) again; follow them with \`dingbridge outbound log ${binding.id}\`.\n`);
    expect((await cli('outbound', 'retry', binding.id, '--json')).json()).toEqual({ requeued: 0 });
    expect((await cli('outbound', 'retry', binding.id)).stdout).toBe('No failed deliveries to retry.\n');
  });

  it('push-all --dry-run lists what would be created and writes nothing; push-all queues it', async () => {
    const dry = await cli('outbound', 'push-all', binding.id, '--dry-run');
    expect(dry.code).toBe(0);
    const lines = dry.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('Dry run: would create 1 unit(s) and 1 account(s) in DingTalk (nothing was written).');
    expect(lines[1]).toMatch(/^KIND +ID +NAME +DEPTH$/);
    expect(lines[2]).toMatch(new RegExp(`^unit +${UNIT} +Later +1$`));
    expect(lines[3]).toMatch(new RegExp(`^account +${ACCOUNT} +张 外推 \\(ob\\.zhang\\) +-$`));
    expect(state.outbound.get(binding.id)?.pending).toBe(1);

    const pushed = executeAdditionResultSchema.parse((await cli('outbound', 'push-all', binding.id, '--json')).json());
    expect(pushed).toMatchObject({ dryRun: false, units: [{ id: UNIT }], accounts: [{ id: ACCOUNT }] });
    expect(state.outbound.get(binding.id)?.pending).toBe(3);
    expect((await cli('outbound', 'push-all', binding.id, '--dry-run')).stdout).toBe(
      'Nothing to push: everything in the outbound scope is in DingTalk already.\n',
    );
  });

  it('exits 2 naming the argument or flag for a bad id, status or limit, 1 for an unknown binding, 1 when outbound is off', async () => {
    const badId = await cli('outbound', 'log', 'not-a-uuid');
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain("'not-a-uuid' is invalid for argument 'bindingId'");
    const badStatus = await cli('outbound', 'log', binding.id, '--status', 'lost');
    expect(badStatus.code).toBe(2);
    expect(badStatus.stderr).toMatch(/option '--status <status>' argument 'lost' is invalid.*delivered, skipped, retrying, failed/);
    const badLimit = await cli('outbound', 'log', binding.id, '--limit', '0');
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toContain("option '--limit <n>' argument '0' is invalid");
    const badFlag = await cli('outbound', 'push-all', binding.id, '--dryrun');
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain("unknown option '--dryrun'");
    expect(connection.calls.connects).toBe(1); // only the binding added in beforeEach: bad usage never connects

    const unknown = await cli('outbound', 'retry', MISSING, '--json');
    expect(unknown.code).toBe(1);
    expect(unknown.json()).toMatchObject({ error: { code: 'binding.not_found' } });
    await cli('bindings', 'update', binding.id, '--outbound', 'off', '--no-verify');
    const off = await cli('outbound', 'push-all', binding.id);
    expect(off.code).toBe(1);
    expect(off.stderr).toContain('[outbound.off]');
  });

  it('bindings show prints the outbound settings', async () => {
    expect((await cli('bindings', 'show', binding.id)).stdout).toMatch(/^outbound: +on \(units: the whole target unit; agentId the binding's\)$/m);
    await cli('bindings', 'update', binding.id, '--outbound-units', `${UNIT}:only`, '--no-verify');
    expect((await cli('bindings', 'show', binding.id)).stdout).toMatch(new RegExp(`^outbound: +on \\(units: ${UNIT}:only; `, 'm'));
    await cli('bindings', 'update', binding.id, '--outbound', 'off', '--no-verify');
    expect((await cli('bindings', 'show', binding.id)).stdout).toMatch(/^outbound: +off$/m);
  });
});

describe('dingbridge outbound through the admin API routes', () => {
  const TOKEN = `dbt_${'B'.repeat(43)}`;
  let http: FastifyInstance;
  let url: string;
  let memory: ReturnType<typeof createInMemoryApi>;
  let bindingId: string;

  beforeAll(async () => {
    memory = createInMemoryApi();
    http = await createHttpServer({
      api: memory.api,
      adminTokens: {
        create: () => Promise.reject(new Error('not in this test')),
        verify: (token) => Promise.resolve(token === TOKEN ? { id: 'token-1', name: 'test', accountId: null, expiresAt: null } : undefined),
        revoke: () => Promise.reject(new Error('not in this test')),
        ensureLocalToken: () => Promise.reject(new Error('not in this test')),
      },
      metrics: createMetrics(),
      readiness: () => Promise.resolve({ ok: true, checks: {} }),
      logger: pino({ level: 'silent' }),
      version: 'test',
      publicUrl: 'http://127.0.0.1',
      adminRoutes: outboundRoutes(memory.api),
    });
    url = await http.listen({ port: 0, host: '127.0.0.1' });
    bindingId = (await memory.api.bindings.add({ name: 'Acme', corpId: 'dingacme', appKey: 'k', appSecret: 's', outbound: { enabled: true } })).id;
    memory.state.outbound.set(bindingId, {
      entries: [entry(2, { status: 'failed', errcode: 60104, error: { code: 'dingtalk.mobile_taken' } }), entry(1, {})],
      pending: 0,
      failed: 1,
      plan: { units: [], accounts: [{ id: ACCOUNT, username: 'ob.zhang', displayName: '张 外推' }] },
    });
  });
  afterAll(async () => {
    await http.close();
  });

  it('the client reaches every outbound route and parses the answers with the contract', async () => {
    const client = createAdminApiClient({ baseUrl: url, token: TOKEN });
    const log = await client.outbound.log(bindingId, { status: 'failed', limit: 5 });
    expect(log.entries.map((e) => [e.seq, e.errcode])).toEqual([[2, 60104]]);
    expect(log.outbox).toEqual({ pending: 0, failed: 1 });
    expect(await client.outbound.executeAddition(bindingId, { dryRun: true })).toMatchObject({ dryRun: true, accounts: [{ username: 'ob.zhang' }] });
    expect(memory.state.outbound.get(bindingId)?.pending).toBe(0);
    expect(await client.outbound.retry(bindingId)).toEqual({ requeued: 1 });
    const missing = await client.outbound.retry(MISSING).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(AppError);
    expect(missing).toMatchObject({ code: 'binding.not_found', status: 404 });
  });

  it('the CLI with --server prints the same tables as in direct use', async () => {
    const env = { DINGBRIDGE_SERVER: url, DINGBRIDGE_TOKEN: TOKEN };
    const human = await runCli(['outbound', 'log', bindingId], { connect, env });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/create +failed +db[0-9a-f]{32} +1 +errcode 60104 dingtalk\.mobile_taken$/m);
    const pushed = await runCli(['outbound', 'push-all', bindingId, '--json'], { connect, env });
    expect(executeAdditionResultSchema.parse(pushed.json())).toMatchObject({ dryRun: false, accounts: [{ id: ACCOUNT }] });
  });
});
