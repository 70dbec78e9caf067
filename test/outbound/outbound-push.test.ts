/**
 * Outbound provisioning end to end (issue 7): local units and accounts recorded in the outbox are delivered to the
 * emulator over HTTP by the real worker, while the inbound sync receives DingTalk's events for those writes over
 * HTTP push. Outcomes are read from the emulator's org and call counts and from the delivery log; waits poll.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Transaction } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDingbridge, type Dingbridge } from '../../src/app.ts';
import type { Bindings, BindingView } from '../../src/bindings/index.ts';
import type { Database } from '../../src/db/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { createAdminTokens, createHttpServer } from '../../src/http/index.ts';
import { createOutbound, dingTalkUserId, type Outbound, type OutboxChange } from '../../src/outbound/index.ts';
import { until } from '../support/dingbridge-process.ts';
import { useEmulator } from '../support/emulator.ts';
import { describeEachDatabase } from '../support/test-database.ts';

const TOKEN = 'dingbridgeToken1';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

interface Org {
  departments: { dept_id: number; name: string; parent_id: number | null }[];
  users: { userid: string; name: string; mobile: string; email?: string; title?: string; depts: { dept_id: number; main: boolean }[] }[];
}
type Calls = { byApi: Record<string, number> };
const WRITES = ['department/create', 'department/update', 'department/delete', 'user/create', 'user/update', 'user/delete'];
const writesOf = (calls: Calls): Record<string, number> =>
  Object.fromEntries(
    Object.entries(calls.byApi).filter(([api, n]) => n > 0 && WRITES.some((write) => api.endsWith(write))),
  );

describeEachDatabase('outbound provisioning to the emulator', ({ database }) => {
  const emulator = useEmulator({ seed: 'outbound', users: 20, qps: 0, pushDelayScale: 0.01 });
  let dataDir: string;
  let app: Dingbridge;
  let binding: BindingView;
  let outbound: Outbound;
  let http: Awaited<ReturnType<typeof createHttpServer>>;

  const db = () => app.database.db;
  /** The bindings service itself (the API face leaves out what the outbox uses). */
  const services = () => app.api.bindings as unknown as Bindings;
  const record = (changes: OutboxChange[]) => db().transaction().execute((trx) => outbound.outbox.record(trx, changes));
  const org = () => emulator.control<Org>('GET', '/org');
  const calls = () => emulator.control<Calls>('GET', '/calls');
  const idle = () =>
    until(async () => {
      const outbox = await db().selectFrom('outbound_outbox').select('status').where('status', '=', 'pending').execute();
      const inbox = await db().selectFrom('event_inbox').select('status').where('status', '=', 'pending').execute();
      return outbox.length === 0 && inbox.length === 0;
    }, 'the outbox and the inbox to drain');
  const linkOf = async (kind: 'dingtalk_dept' | 'dingtalk_user', localId: string) =>
    (
      await db()
        .selectFrom('external_identities')
        .select('external_id')
        .where('binding_id', '=', binding.id)
        .where('kind', '=', kind)
        .where('local_id', '=', localId)
        .executeTakeFirst()
    )?.external_id;
  const addUnit = async (name: string, parentId: string) => {
    const id = crypto.randomUUID();
    await db().transaction().execute(async (trx) => {
      await trx.insertInto('units').values({ id, name, parent_id: parentId, binding_id: null }).execute();
      await outbound.outbox.record(trx, [{ kind: 'unit.upsert', unitId: id }]);
    });
    return id;
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'dingbridge-outbound-'));
    const config = loadConfig({ DATA_DIR: dataDir }, { onWarning: () => {} });
    app = await openDingbridge(config, { logger: pino({ level: 'silent' }), role: 'server', database: database().handle, jobs: { pollingIntervalSeconds: 0.5 } as never });
    binding = await app.api.bindings.add({
      name: 'Outbound corp',
      corpId: emulator.corpId,
      appKey: emulator.appKey,
      appSecret: emulator.appSecret,
      apiBase: emulator.url,
      events: { mode: 'http', callbackToken: TOKEN, aesKey: AES_KEY },
      outbound: { enabled: true },
    });
    // A second face on the same outbox, for recording without engineer A's management service; the app's worker delivers.
    outbound = createOutbound({
      db: app.database.db,
      jobs: app.jobs,
      bindings: { outboundBindings: (executor) => services().outboundBindings(executor) },
      clientOf: () => Promise.reject(new Error('not used')),
      logger: pino({ level: 'silent' }),
    });
    http = await createHttpServer({
      api: app.api,
      adminTokens: createAdminTokens({ db: app.database.db }),
      metrics: app.metrics,
      readiness: () => app.readiness(),
      logger: pino({ level: 'silent' }),
      version: 'test',
      publicUrl: 'http://127.0.0.1',
      plugins: [app.events.callbackPlugin],
    });
    await http.listen({ port: 0, host: '127.0.0.1' });
    const address = http.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    await app.startWorkers();
    const run = await app.api.runs.start(binding.id);
    await until(async () => {
      const view = await app.api.runs.show(run.id);
      return ['succeeded', 'partial', 'failed', 'held'].includes(view.status) ? view : undefined;
    }, 'the first full sync');
    await emulator.control('PUT', `/apps/${emulator.appKey}/events`, {
      mode: 'http',
      url: `http://127.0.0.1:${port}/callback/idp/dingtalk/orgapp/${emulator.corpId}`,
      token: TOKEN,
      aesKey: AES_KEY,
    });
  });
  afterAll(async () => {
    await http?.close();
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  let rd: string;
  let backend: string;
  let person: string;

  it('pushes a unit tree and a person in two units, linked as the inbound sync would', async () => {
    rd = await addUnit('Outbound R&D', binding.targetUnitId);
    backend = await addUnit('Outbound Backend', rd);
    person = crypto.randomUUID();
    await db().transaction().execute(async (trx) => {
      await trx
        .insertInto('accounts')
        .values({ id: person, username: 'ob.zhang', display_name: '张 外推', mobile: '+86 13912340001', email: 'ob.zhang@example.com', title: 'Engineer' })
        .execute();
      await trx
        .insertInto('memberships')
        .values([
          { account_id: person, unit_id: backend, is_main: true },
          { account_id: person, unit_id: rd },
        ])
        .execute();
      await outbound.outbox.record(trx, [{ kind: 'account.upsert', accountId: person }]);
    });
    await idle();
    const rdDept = Number(await linkOf('dingtalk_dept', rd));
    const backendDept = Number(await linkOf('dingtalk_dept', backend));
    const snapshot = await org();
    expect(snapshot.departments.find((d) => d.dept_id === rdDept)).toMatchObject({ name: 'Outbound R&D', parent_id: 1 });
    expect(snapshot.departments.find((d) => d.dept_id === backendDept)).toMatchObject({ name: 'Outbound Backend', parent_id: rdDept });
    expect(await linkOf('dingtalk_user', person)).toBe(dingTalkUserId(person));
    const user = snapshot.users.find((u) => u.userid === dingTalkUserId(person));
    expect(user).toMatchObject({ name: '张 外推', mobile: '13912340001', email: 'ob.zhang@example.com', title: 'Engineer' });
    expect(user?.depts.map((d) => [d.dept_id, d.main])).toEqual([
      [backendDept, true],
      [rdDept, false],
    ]);
    const log = await app.api.outbound.log(binding.id);
    expect(log.entries.map((entry) => `${entry.objectKind}:${entry.operation}:${entry.status}`).reverse()).toEqual([
      'unit:create:delivered',
      'unit:create:delivered',
      'account:create:delivered',
    ]);
  });

  it('follows a rename, a move and a disable, and the inbound events for our writes repeat no write', async () => {
    await idle();
    const before = writesOf(await calls());
    await db().updateTable('units').set({ name: 'Outbound Research' }).where('id', '=', rd).execute();
    await record([{ kind: 'unit.upsert', unitId: rd }]);
    await idle();
    await db().updateTable('units').set({ parent_id: binding.targetUnitId }).where('id', '=', backend).execute();
    await record([{ kind: 'unit.upsert', unitId: backend }]);
    await idle();
    // Let the events DingTalk sent for these writes be processed too, then nothing more is written.
    await until(async () => (await db().selectFrom('event_inbox').select('id').execute()).length > 0, 'events for our writes');
    await idle();
    const after = writesOf(await calls());
    const delta = Object.fromEntries(Object.entries(after).map(([api, n]) => [api, n - (before[api] ?? 0)]).filter(([, n]) => n !== 0));
    expect(delta).toEqual({ 'topapi/v2/department/update': 2 });
    const snapshot = await org();
    const rdDept = Number(await linkOf('dingtalk_dept', rd));
    const backendDept = Number(await linkOf('dingtalk_dept', backend));
    expect(snapshot.departments.find((d) => d.dept_id === rdDept)?.name).toBe('Outbound Research');
    expect(snapshot.departments.find((d) => d.dept_id === backendDept)?.parent_id).toBe(1);
    expect((await db().selectFrom('units').select('name').where('id', '=', rd).executeTakeFirstOrThrow()).name).toBe('Outbound Research');
    // A second delivery of the same state writes nothing.
    await record([{ kind: 'unit.upsert', unitId: rd }, { kind: 'account.upsert', accountId: person }]);
    await idle();
    expect(writesOf(await calls())).toEqual(after);

    // Disable: DingTalk has no disabled state, so the user leaves DingTalk.
    await db().updateTable('accounts').set({ status: 'disabled', disabled_at: new Date(), disabled_by: 'admin' }).where('id', '=', person).execute();
    await record([{ kind: 'account.upsert', accountId: person }]);
    await idle();
    expect((await org()).users.some((u) => u.userid === dingTalkUserId(person))).toBe(false);
    expect(await linkOf('dingtalk_user', person)).toBeUndefined();
  });

  it('removes a unit, and refuses with a clear reason while DingTalk still has members there', async () => {
    const deptId = Number(await linkOf('dingtalk_dept', backend));
    const stranger = await emulator.control<{ userid: string }>('POST', '/org/users', { name: '留守 成员', dept_id_list: [deptId] });
    await idle();
    await db().transaction().execute(async (trx) => {
      await outbound.outbox.record(trx, [{ kind: 'unit.remove', unitId: backend }]);
      await trx.deleteFrom('memberships').where('unit_id', '=', backend).execute();
      await trx.deleteFrom('units').where('id', '=', backend).execute();
    });
    const failed = await until(async () => (await app.api.outbound.log(binding.id, { status: 'failed' })).entries[0], 'the refused delete');
    expect(failed).toMatchObject({ objectId: backend, errcode: null, error: { code: 'outbound.department_has_members' } });
    await emulator.control('DELETE', `/org/users/${stranger.userid}`);
    await idle();
    expect(await app.api.outbound.retry(binding.id)).toEqual({ requeued: 1 });
    await until(async () => !(await org()).departments.some((d) => d.dept_id === deptId), 'the department to go').catch(async (error: unknown) => {
      console.log(JSON.stringify((await app.api.outbound.log(binding.id)).entries.slice(0, 4), null, 1));
      throw error;
    });
    await idle();
    expect((await app.api.outbound.log(binding.id, { limit: 1 })).entries[0]).toMatchObject({ objectId: backend, operation: 'delete', status: 'delivered' });
  });

  /**
   * A delivery that died after its DingTalk write and before its commit: the outbox row stays, leased by the dead
   * worker, while DingTalk's event for that write arrives and is processed (and a full sync may run) first. The
   * inbound side must leave that user to the delivery; once the lease is released the delivery finishes.
   */
  const leaseToDeadWorker = (trx: Transaction<Database>, accountId: string) =>
    trx
      .updateTable('outbound_outbox')
      .set({ claimed_by: 'outbound-dead', claimed_until: new Date(Date.now() + 3_600_000) })
      .where('object_kind', '=', 'account')
      .where('object_id', '=', accountId)
      .execute();
  const releaseLease = async (accountId: string) => {
    await db().updateTable('outbound_outbox').set({ claimed_by: null, claimed_until: null }).where('object_id', '=', accountId).execute();
    await record([{ kind: 'account.upsert', accountId }]); // the restarted worker's drain
  };
  const eventProcessed = (eventType: string, userid: string) =>
    until(
      async () =>
        (
          await db()
            .selectFrom('event_inbox')
            .select('id')
            .where('event_type', '=', eventType)
            .where('status', '=', 'processed')
            .where(sql<boolean>`payload::text like ${`%${userid}%`}`)
            .executeTakeFirst()
        )?.id,
      `the processed ${eventType} event of ${userid}`,
    );
  const fullSync = async () => {
    const run = await app.api.runs.start(binding.id);
    const ended = await until(async () => {
      const view = await app.api.runs.show(run.id);
      return ['succeeded', 'partial', 'failed', 'held'].includes(view.status) ? view : undefined;
    }, 'a full sync');
    expect(ended.status).toBe('succeeded');
  };
  const accountCount = async () => Number((await db().selectFrom('accounts').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('adopts a user an interrupted delivery already created instead of creating a second one', async () => {
    const id = crypto.randomUUID();
    const userid = dingTalkUserId(id);
    await db().transaction().execute(async (trx) => {
      await trx.insertInto('accounts').values({ id, username: 'ob.crash', display_name: '崩溃 测试', mobile: '13912340009' }).execute();
      await trx.insertInto('memberships').values({ account_id: id, unit_id: rd, is_main: true }).execute();
      await outbound.outbox.record(trx, [{ kind: 'account.upsert', accountId: id }]);
      await leaseToDeadWorker(trx, id);
    });
    const accounts = await accountCount();
    // The create landed, the process died before it committed the link.
    const client = await services().clientOf(binding.id);
    await client.users.create({ userid, name: '崩溃 测试', mobile: '13912340009', dept_id_list: [Number(await linkOf('dingtalk_dept', rd))] });
    // DingTalk's user_add_org for it, and a full sync, come before the delivery is retried: neither creates a second account.
    await eventProcessed('user_add_org', userid);
    await fullSync();
    expect(await accountCount()).toBe(accounts);
    expect(await linkOf('dingtalk_user', id)).toBeUndefined();

    await releaseLease(id);
    await idle();
    expect(await linkOf('dingtalk_user', id)).toBe(userid);
    expect(await accountCount()).toBe(accounts);
    expect((await org()).users.filter((u) => u.mobile === '13912340009')).toHaveLength(1);
  });

  it('unlinks a user an interrupted delivery already deleted, and the leave event takes nothing from the account', async () => {
    const id = crypto.randomUUID();
    const userid = dingTalkUserId(id);
    await db().transaction().execute(async (trx) => {
      await trx.insertInto('accounts').values({ id, username: 'ob.leaver', display_name: '离开 测试', mobile: '13912340010' }).execute();
      await trx.insertInto('memberships').values({ account_id: id, unit_id: rd, is_main: true }).execute();
      await outbound.outbox.record(trx, [{ kind: 'account.upsert', accountId: id }]);
    });
    await idle();
    expect(await linkOf('dingtalk_user', id)).toBe(userid);
    await db().transaction().execute(async (trx) => {
      await trx.updateTable('accounts').set({ status: 'disabled', disabled_at: new Date(), disabled_by: 'admin' }).where('id', '=', id).execute();
      await outbound.outbox.record(trx, [{ kind: 'account.upsert', accountId: id }]);
      await leaseToDeadWorker(trx, id);
    });
    // The delete landed, the process died before it committed the unlink.
    const client = await services().clientOf(binding.id);
    await client.users.delete(userid);
    await eventProcessed('user_leave_org', userid);
    await fullSync();
    const memberships = () => db().selectFrom('memberships').select('unit_id').where('account_id', '=', id).execute();
    expect(await memberships()).toEqual([{ unit_id: rd }]);

    await releaseLease(id);
    await idle();
    expect(await linkOf('dingtalk_user', id)).toBeUndefined();
    expect(await db().selectFrom('accounts').select(['status', 'disabled_by']).where('id', '=', id).executeTakeFirst()).toEqual({ status: 'disabled', disabled_by: 'admin' });
    expect(await memberships()).toEqual([{ unit_id: rd }]);
    // Enabled again, the account comes back to DingTalk under the same userid, in its unit.
    await db().transaction().execute(async (trx) => {
      await trx.updateTable('accounts').set({ status: 'enabled', disabled_at: null, disabled_by: null }).where('id', '=', id).execute();
      await outbound.outbox.record(trx, [{ kind: 'account.upsert', accountId: id }]);
    });
    await idle();
    expect(await linkOf('dingtalk_user', id)).toBe(userid);
    expect((await org()).users.find((u) => u.userid === userid)?.depts.map((d) => d.dept_id)).toEqual([Number(await linkOf('dingtalk_dept', rd))]);
  });

  it("refuses an account whose mobile belongs to someone already linked, leaving that person's DingTalk profile alone", async () => {
    const exported = await app.api.directory.export();
    const synced = exported.accounts.find((a) => a.external?.userid && a.mobile)!;
    const before = (await org()).users.find((u) => u.userid === synced.external!.userid)!;
    const twin = crypto.randomUUID();
    await db().transaction().execute(async (trx) => {
      await trx.insertInto('accounts').values({ id: twin, username: 'ob.twin', display_name: '重复 手机', mobile: synced.mobile }).execute();
      await trx.insertInto('memberships').values({ account_id: twin, unit_id: rd, is_main: true }).execute();
      await outbound.outbox.record(trx, [{ kind: 'account.upsert', accountId: twin }]);
    });
    await idle();
    expect(await linkOf('dingtalk_user', twin)).toBeUndefined();
    expect(await linkOf('dingtalk_user', synced.id)).toBe(synced.external!.userid);
    const after = (await org()).users.find((u) => u.userid === synced.external!.userid)!;
    expect(after).toEqual(before);
    const failed = (await app.api.outbound.log(binding.id, { status: 'failed' })).entries.find((entry) => entry.objectId === twin)!;
    expect(failed.error).toMatchObject({ code: 'outbound.mobile_taken' });
    expect(JSON.stringify(failed.error)).toContain(synced.id);
  });

  it('execute addition lists what is not linked yet as a dry run, then pushes it', async () => {
    const unit = crypto.randomUUID();
    await db().insertInto('units').values({ id: unit, name: 'Outbound Later', parent_id: rd, binding_id: null }).execute();
    const dry = await app.api.outbound.executeAddition(binding.id, { dryRun: true });
    expect(dry.units.map((u) => u.name)).toEqual(['Outbound Later']);
    expect(await linkOf('dingtalk_dept', unit)).toBeUndefined();
    await app.api.outbound.executeAddition(binding.id);
    await idle();
    expect(await linkOf('dingtalk_dept', unit)).toBeDefined();
    expect((await app.api.outbound.executeAddition(binding.id, { dryRun: true })).units).toEqual([]);
  });
});
