/**
 * The account page's routes (issue 8), in-process over the real directory services on both databases:
 * `GET /api/v1/accounts/:id/history` (sync operations and outbound deliveries, newest first, paged, dry runs left
 * out), `GET /api/v1/accounts/:id/editable` and `GET /api/v1/units/:id/editable` (DingTalk-owned fields read-only
 * with the owning binding, until outbound pushes them), and the memberships in the account view.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { beforeAll, expect, it } from 'vitest';
import type { Bindings } from '../../src/bindings/index.ts';
import { json } from '../../src/db/index.ts';
import {
  createDirectoryManagement,
  type AccountEditability,
  type AccountHistoryPage,
  type AccountView,
  type DirectoryManagement,
  type UnitEditability,
} from '../../src/directory/index.ts';
import { accountRoutes, unitRoutes } from '../../src/http/index.ts';
import { createInMemoryApi } from '../http/in-memory-api.ts';
import { startTestServer, type TestServer } from '../http/test-server.ts';
import { describeEachDatabase } from '../support/test-database.ts';
import { createTestBindings } from './directory-fixture.ts';

describeEachDatabase('account detail routes', ({ database }) => {
  let bindings: Bindings;
  let directory: DirectoryManagement;
  let server: TestServer;

  beforeAll(async () => {
    const db = database().db;
    bindings = createTestBindings(db);
    directory = createDirectoryManagement({ db, bindings, outbox: { record: () => Promise.resolve() } });
    const api = createInMemoryApi();
    api.units = directory.units;
    api.accounts = directory.accounts;
    server = await startTestServer({ api, adminRoutes: [...unitRoutes(api), ...accountRoutes(api)] });
    return () => server.app.close();
  });

  const get = async <T>(url: string, status = 200): Promise<T> => {
    const response = await server.app.inject({ method: 'GET', url, headers: server.auth });
    expect(response.statusCode, `${url}: ${response.body}`).toBe(status);
    return response.json<T>();
  };

  /** A binding (default mapping: displayName, email, mobile, jobNumber, title DingTalk-owned) and a person it synced. */
  const syncedPerson = async () => {
    const db = database().db;
    const binding = await bindings.add(
      { name: `Acme ${randomBytes(3).toString('hex')}`, corpId: `ding${randomBytes(6).toString('hex')}`, appKey: 'k', appSecret: 's' },
      { verify: false },
    );
    const unit = await directory.units.add({ name: 'Sales', parentId: binding.targetUnitId });
    await db.updateTable('units').set({ binding_id: binding.id }).where('id', '=', unit.id).execute();
    await db.insertInto('external_identities').values({ binding_id: binding.id, kind: 'dingtalk_dept', external_id: '7', local_id: unit.id }).execute();
    const account = await directory.accounts.add({ username: `zhang.san.${randomBytes(2).toString('hex')}`, displayName: '张三', unitIds: [unit.id] });
    await db.updateTable('memberships').set({ is_leader: true, sort_order: 5 }).where('account_id', '=', account.id).execute();
    await db
      .insertInto('external_identities')
      .values({ binding_id: binding.id, kind: 'dingtalk_user', external_id: 'zhangsan', unionid: 'union-zs', local_id: account.id })
      .execute();
    return { binding, unit, account };
  };

  const run = async (bindingId: string, options: { dryRun?: boolean; endedAt: string }) => {
    const id = randomUUID();
    await database()
      .db.insertInto('sync_runs')
      .values({ id, binding_id: bindingId, kind: 'full', status: 'succeeded', dry_run: options.dryRun ?? false, ended_at: options.endedAt })
      .execute();
    return id;
  };

  it('shows memberships as stored, with leader and main flags, and the DingTalk link', async () => {
    const { binding, unit, account } = await syncedPerson();
    const view = await get<AccountView>(`/api/v1/accounts/${account.id}`);
    expect(view.memberships).toEqual([{ unitId: unit.id, main: true, leader: true, order: 5 }]);
    expect(view.links).toEqual([{ bindingId: binding.id, corpId: binding.corpId, userid: 'zhangsan', unionid: 'union-zs' }]);
  });

  it('lists the sync operations and outbound deliveries of an account, newest first, a page at a time', async () => {
    const db = database().db;
    const { binding, unit, account } = await syncedPerson();
    const first = await run(binding.id, { endedAt: '2026-11-20T08:00:00Z' });
    const second = await run(binding.id, { endedAt: '2026-11-22T08:00:00Z' });
    const preview = await run(binding.id, { dryRun: true, endedAt: '2026-11-23T08:00:00Z' });
    const op = (runId: string, seq: number, values: Record<string, unknown>) =>
      db
        .insertInto('sync_ops')
        .values({ run_id: runId, seq, target_kind: 'account', external_id: 'zhangsan', local_id: account.id, status: 'applied', ...values } as never)
        .execute();
    await op(first, 0, { op: 'account.create', before: null, after: json({ displayName: '张三' }) });
    await op(first, 1, { op: 'membership.add', target_kind: 'membership', external_id: '7/zhangsan', after: json({ unitId: unit.id, main: true }) });
    await op(second, 3, { op: 'account.update', before: json({ email: null }), after: json({ email: 'zs@example.com' }) });
    await op(preview, 0, { op: 'account.update', status: 'planned', before: json({ title: null }), after: json({ title: 'CEO' }) });
    // Another person's operation in the same run is not this account's history.
    await db
      .insertInto('sync_ops')
      .values({ run_id: second, seq: 4, op: 'account.create', target_kind: 'account', external_id: 'lisi', local_id: randomUUID(), status: 'applied' })
      .execute();
    await db
      .insertInto('outbound_log')
      .values({
        id: randomUUID(),
        binding_id: binding.id,
        object_kind: 'account',
        object_id: account.id,
        operation: 'user.update',
        status: 'failed',
        external_id: 'zhangsan',
        request: json({ userid: 'zhangsan', title: 'Sales lead' }),
        errcode: 60020,
        error: json({ code: 'dingtalk.refused', message: 'refused' }),
        attempt: 3,
        at: '2026-11-24T08:00:00Z',
      })
      .execute();

    const page = await get<AccountHistoryPage>(`/api/v1/accounts/${account.id}/history`);
    expect(page).toMatchObject({ total: 4, offset: 0, limit: 50 });
    expect(page.items.map((item) => [item.source, item.source === 'sync' ? item.op : item.operation])).toEqual([
      ['outbound', 'user.update'],
      ['sync', 'account.update'],
      ['sync', 'membership.add'],
      ['sync', 'account.create'],
    ]);
    expect(page.items[0]).toMatchObject({ bindingId: binding.id, bindingName: binding.name, status: 'failed', errcode: 60020, attempt: 3, at: '2026-11-24T08:00:00.000Z' });
    expect(page.items[0]!.source === 'outbound' && page.items[0]!.error).toEqual({ code: 'dingtalk.refused', message: 'refused' });
    expect(page.items[1]).toMatchObject({ runId: second, runKind: 'full', runStatus: 'succeeded', before: { email: null }, after: { email: 'zs@example.com' } });
    expect(page.items[2]).toMatchObject({ targetKind: 'membership', externalId: '7/zhangsan', after: { unitId: unit.id, main: true } });

    const later = await get<AccountHistoryPage>(`/api/v1/accounts/${account.id}/history?offset=2&limit=1`);
    expect(later).toMatchObject({ total: 4, offset: 2, limit: 1 });
    expect(later.items.map((item) => item.source === 'sync' && item.op)).toEqual(['membership.add']);
  });

  it('answers 404 for an unknown account and 400 for a bad page', async () => {
    const missing = await get<{ error: { code: string } }>(`/api/v1/accounts/${randomUUID()}/history`, 404);
    expect(missing.error.code).toBe('account.not_found');
    expect((await get<{ error: { code: string } }>(`/api/v1/accounts/${randomUUID()}/editable`, 404)).error.code).toBe('account.not_found');
    expect((await get<{ error: { code: string } }>(`/api/v1/units/${randomUUID()}/editable`, 404)).error.code).toBe('unit.not_found');
    const { account } = await syncedPerson();
    const bad = await get<{ error: { code: string; message: string } }>(`/api/v1/accounts/${account.id}/history?limit=0`, 400);
    expect(bad.error.message).toContain('limit');
  });

  it('says which fields DingTalk owns, naming the binding, until outbound pushes them', async () => {
    const { binding, unit, account } = await syncedPerson();
    const local = await directory.units.add({ name: `Local ${randomBytes(2).toString('hex')}`, parentId: null });
    const owned = await get<AccountEditability>(`/api/v1/accounts/${account.id}/editable`);
    expect(owned.fields.username).toEqual({ editable: true }); // fill_if_empty in the default mapping
    expect(owned.fields.displayName).toMatchObject({ editable: false, owner: { bindingId: binding.id, bindingName: binding.name } });
    expect(owned.fields.displayName.reason).toContain('Change it in DingTalk');
    for (const field of ['email', 'mobile', 'jobNumber', 'title', 'unitIds', 'remove'] as const) expect(owned.fields[field].editable, field).toBe(false);
    const ownedUnit = await get<UnitEditability>(`/api/v1/units/${unit.id}/editable`);
    expect(Object.values(ownedUnit.fields).every((field) => !field.editable && field.owner?.bindingId === binding.id)).toBe(true);
    // What the answer says matches what an update does.
    await expect(directory.accounts.update(account.id, { displayName: 'x' })).rejects.toMatchObject({ code: 'account.field_owned_by_dingtalk' });

    const localUnit = await get<UnitEditability>(`/api/v1/units/${local.id}/editable`);
    expect(Object.values(localUnit.fields).every((field) => field.editable)).toBe(true);

    await bindings.update(binding.id, { outbound: { enabled: true } });
    const pushed = await get<AccountEditability>(`/api/v1/accounts/${account.id}/editable`);
    expect(Object.values(pushed.fields).every((field) => field.editable)).toBe(true);
    expect((await get<UnitEditability>(`/api/v1/units/${unit.id}/editable`)).fields.name).toEqual({ editable: true });
    expect((await directory.accounts.update(account.id, { displayName: '张三丰' })).displayName).toBe('张三丰');
  });
});
