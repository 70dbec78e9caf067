/**
 * Managing the directory by hand (issue 7) on both databases: units and accounts CRUD with every refusal an
 * administrator expects, DingTalk ownership (refused unless the binding pushes the edit), the outbox recorded with
 * the right changes inside the change's transaction, and the binding's outbound settings and `bindings check`'s
 * write-permission probe against the emulator.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import { beforeAll, beforeEach, expect, it } from 'vitest';
import type { Bindings } from '../../src/bindings/index.ts';
import { isAppError, type AppError } from '../../src/core/index.ts';
import type { Database } from '../../src/db/index.ts';
import { createDirectoryManagement, type DirectoryChange, type DirectoryManagement } from '../../src/directory/index.ts';
import { useEmulator } from '../support/emulator.ts';
import { describeEachDatabase } from '../support/test-database.ts';
import { createTestBindings } from './directory-fixture.ts';

const emulator = useEmulator({ seed: 'directory-management', users: 5 });

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => expect.fail('expected a rejection'),
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw error;
  return error;
}

describeEachDatabase('directory management', ({ database }) => {
  let bindings: Bindings;
  let directory: DirectoryManagement;
  /** Each record call: its changes, and whether the account/unit rows were visible in the transaction. */
  let recorded: { changes: DirectoryChange[]; inTransaction: boolean }[] = [];
  let failNextRecord = false;

  beforeAll(() => {
    const db = database().db;
    bindings = createTestBindings(db);
    directory = createDirectoryManagement({
      db,
      bindings,
      outbox: {
        record: async (trx: Transaction<Database>, changes) => {
          // Inside the transaction: the change's own rows are visible through trx.
          const first = changes[0]!;
          const visible =
            first.kind.startsWith('unit')
              ? await trx.selectFrom('units').select('id').where('id', '=', (first as { unitId: string }).unitId).executeTakeFirst()
              : await trx.selectFrom('accounts').select('id').where('id', '=', (first as { accountId: string }).accountId).executeTakeFirst();
          recorded.push({ changes, inTransaction: visible !== undefined && trx.isTransaction });
          if (failNextRecord) {
            failNextRecord = false;
            throw new Error('outbox down');
          }
        },
      },
    });
  });
  beforeEach(() => {
    recorded = [];
  });

  const newBinding = (outbound?: Parameters<Bindings['add']>[0]['outbound']) =>
    bindings.add(
      {
        name: `Acme ${randomBytes(3).toString('hex')}`,
        corpId: `ding${randomBytes(6).toString('hex')}`,
        appKey: emulator.appKey,
        appSecret: emulator.appSecret,
        apiBase: emulator.url,
        ...(outbound === undefined ? {} : { outbound }),
      },
      { verify: false },
    );

  /** A unit and an account linked to the binding as the inbound sync would have made them. */
  const linked = async (bindingId: string, targetUnitId: string, deptId: number) => {
    const db = database().db;
    const unit = await directory.units.add({ name: `Dept ${deptId}`, parentId: targetUnitId });
    await db.updateTable('units').set({ binding_id: bindingId }).where('id', '=', unit.id).execute();
    await db.insertInto('external_identities').values({ binding_id: bindingId, kind: 'dingtalk_dept', external_id: String(deptId), local_id: unit.id }).execute();
    const account = await directory.accounts.add({ username: `u${deptId}-${randomBytes(2).toString('hex')}`, displayName: 'Synced', unitIds: [unit.id] });
    await db
      .insertInto('external_identities')
      .values({ binding_id: bindingId, kind: 'dingtalk_user', external_id: `user${deptId}`, unionid: `union${deptId}`, local_id: account.id })
      .execute();
    recorded = [];
    return { unit, account };
  };

  it('adds, shows, lists, renames, moves and removes units, recording each change in its transaction', async () => {
    const root = await directory.units.add({ name: 'Root', parentId: null });
    const sales = await directory.units.add({ name: 'Sales', parentId: root.id, order: 3 });
    const east = await directory.units.add({ name: 'East', parentId: sales.id });
    expect(sales).toMatchObject({ name: 'Sales', parentId: root.id, order: 3, links: [], memberCount: 0, bindingId: null });
    expect((await directory.units.show(root.id)).childCount).toBe(1);
    const listed = await directory.units.list({ parentId: sales.id });
    expect(listed.map((u) => u.id)).toEqual([east.id]);

    const renamed = await directory.units.update(sales.id, { name: 'Sales & Marketing' });
    expect(renamed.name).toBe('Sales & Marketing');
    const other = await directory.units.add({ name: 'Other', parentId: root.id });
    const moved = await directory.units.move(east.id, { parentId: other.id });
    expect(moved.parentId).toBe(other.id);
    expect(await directory.units.remove(east.id)).toEqual({ id: east.id, removed: true });
    await expect(directory.units.show(east.id)).rejects.toMatchObject({ code: 'unit.not_found', status: 404 });

    expect(recorded.map((r) => r.changes)).toEqual([
      [{ kind: 'unit.upsert', unitId: root.id }],
      [{ kind: 'unit.upsert', unitId: sales.id }],
      [{ kind: 'unit.upsert', unitId: east.id }],
      [{ kind: 'unit.upsert', unitId: sales.id }],
      [{ kind: 'unit.upsert', unitId: other.id }],
      [{ kind: 'unit.upsert', unitId: east.id }],
      [{ kind: 'unit.upsert', unitId: east.id }],
      [{ kind: 'unit.remove', unitId: east.id }],
    ]);
    expect(recorded.every((r) => r.inTransaction)).toBe(true);
  });

  it('refuses a unit with children or members, a loop, a duplicate sibling name, an unknown parent, bad input', async () => {
    const root = await directory.units.add({ name: 'Tree', parentId: null });
    const child = await directory.units.add({ name: 'Child', parentId: root.id });
    const grandchild = await directory.units.add({ name: 'Grandchild', parentId: child.id });
    await directory.accounts.add({ username: `member-${randomBytes(2).toString('hex')}`, displayName: 'M', unitIds: [child.id] });

    const notEmpty = await rejection(directory.units.remove(child.id));
    expect(notEmpty).toMatchObject({ code: 'unit.not_empty', status: 409, details: { children: 1, members: 1 } });
    expect(notEmpty.message).toContain('Grandchild');
    expect(notEmpty.message).toContain('Move them elsewhere first');

    expect(await rejection(directory.units.move(root.id, { parentId: grandchild.id }))).toMatchObject({ code: 'unit.move_loop', status: 409 });
    expect(await rejection(directory.units.move(root.id, { parentId: root.id }))).toMatchObject({ code: 'unit.move_loop' });
    expect(await rejection(directory.units.add({ name: 'child', parentId: root.id }))).toMatchObject({ code: 'unit.name_taken', status: 409 });
    expect(await rejection(directory.units.add({ name: 'X', parentId: randomUUID() }))).toMatchObject({ code: 'unit.not_found', status: 404 });
    const bad = await rejection(directory.units.add({ name: '', parentId: root.id }));
    expect(bad).toMatchObject({ code: 'directory.invalid', status: 400 });
    expect(bad.message).toContain('name');
    expect(await rejection(directory.units.show('nope'))).toMatchObject({ code: 'unit.not_found' });
  });

  it('refuses removing a binding target unit', async () => {
    const binding = await newBinding();
    expect(await rejection(directory.units.remove(binding.targetUnitId))).toMatchObject({ code: 'unit.binding_target', status: 409 });
  });

  it('adds, searches, updates, disables, enables and removes accounts', async () => {
    const a = await directory.units.add({ name: `A-${randomBytes(2).toString('hex')}`, parentId: null });
    const b = await directory.units.add({ name: 'B', parentId: a.id });
    const tag = randomBytes(3).toString('hex');
    const account = await directory.accounts.add({
      username: `Han.Meimei.${tag}`,
      displayName: '韩梅梅',
      email: `han.${tag}@example.com`,
      mobile: '+86 13800000001',
      unitIds: [a.id, b.id],
      mainUnitId: b.id,
    });
    expect(account).toMatchObject({ displayName: '韩梅梅', status: 'enabled', mainUnitId: b.id, unitIds: [b.id, a.id], links: [] });

    const taken = await rejection(directory.accounts.add({ username: `han.meimei.${tag.toUpperCase()}`, displayName: 'X', unitIds: [a.id] }));
    expect(taken).toMatchObject({ code: 'account.username_taken', status: 409, details: { accountId: account.id } });

    const page = await directory.accounts.list({ q: `MEIMEI.${tag}` });
    expect(page).toMatchObject({ total: 1, offset: 0, limit: 50 });
    expect(page.items[0]!.id).toBe(account.id);
    expect((await directory.accounts.list({ unitId: b.id })).items.map((i) => i.id)).toEqual([account.id]);
    expect((await directory.accounts.list({ q: '100%_nobody' })).total).toBe(0);

    const updated = await directory.accounts.update(account.id, { displayName: '韩 梅梅', email: null, unitIds: [a.id] });
    expect(updated).toMatchObject({ displayName: '韩 梅梅', email: null, unitIds: [a.id], mainUnitId: a.id });
    const disabled = await directory.accounts.disable(account.id);
    expect(disabled).toMatchObject({ status: 'disabled', disabledBy: 'admin' });
    expect((await directory.accounts.enable(account.id)).status).toBe('enabled');
    expect(await directory.accounts.remove(account.id)).toEqual({ id: account.id, removed: true });
    await expect(directory.accounts.show(account.id)).rejects.toMatchObject({ code: 'account.not_found', status: 404 });

    expect(recorded.slice(2).map((r) => r.changes)).toEqual([
      [{ kind: 'account.upsert', accountId: account.id }],
      [{ kind: 'account.upsert', accountId: account.id }], // memberships changed: before …
      [{ kind: 'account.upsert', accountId: account.id }], // … and after
      [{ kind: 'account.upsert', accountId: account.id }],
      [{ kind: 'account.upsert', accountId: account.id }],
      [{ kind: 'account.remove', accountId: account.id }],
    ]);
    expect(await rejection(directory.accounts.add({ username: 'x', displayName: 'X', unitIds: [] }))).toMatchObject({ code: 'directory.invalid' });
    expect(await rejection(directory.accounts.add({ username: 'x2', displayName: 'X', unitIds: [randomUUID()] }))).toMatchObject({
      code: 'unit.not_found',
    });
    expect(await rejection(directory.accounts.add({ username: 'x3', displayName: 'X', unitIds: [a.id], mainUnitId: b.id }))).toMatchObject({
      code: 'directory.invalid',
    });
  });

  it('rolls the change back when the outbox cannot record it', async () => {
    failNextRecord = true;
    const name = `Ghost-${randomBytes(3).toString('hex')}`;
    await expect(directory.units.add({ name, parentId: null })).rejects.toThrow('outbox down');
    expect(await database().db.selectFrom('units').select('id').where('name', '=', name).executeTakeFirst()).toBeUndefined();
  });

  it('refuses edits of what DingTalk owns while outbound is off, naming the field and the binding', async () => {
    const binding = await newBinding();
    const { unit, account } = await linked(binding.id, binding.targetUnitId, 71);
    const local = await directory.units.add({ name: 'Local team', parentId: null });

    const owned = await rejection(directory.accounts.update(account.id, { displayName: 'Renamed' }));
    expect(owned).toMatchObject({ code: 'account.field_owned_by_dingtalk', status: 409, details: { field: 'displayName', bindingId: binding.id } });
    expect(owned.message).toContain(binding.name);
    expect(await rejection(directory.accounts.update(account.id, { unitIds: [unit.id, binding.targetUnitId] }))).toMatchObject({
      details: { field: 'unitIds' },
    });
    expect(await rejection(directory.accounts.remove(account.id))).toMatchObject({ code: 'account.field_owned_by_dingtalk', details: { field: '(removal)' } });
    expect(await rejection(directory.units.update(unit.id, { name: 'New name' }))).toMatchObject({
      code: 'unit.field_owned_by_dingtalk',
      details: { field: 'name', bindingId: binding.id },
    });
    expect(await rejection(directory.units.move(unit.id, { parentId: local.id }))).toMatchObject({ details: { field: 'parentId' } });

    // Not owned: a field the mapping leaves local (username is fill_if_empty), a membership outside the subtree, disabling.
    expect((await directory.accounts.update(account.id, { username: `${account.username}-x` })).username).toBe(`${account.username}-x`);
    expect((await directory.accounts.update(account.id, { unitIds: [unit.id, local.id] })).unitIds).toEqual([unit.id, local.id]);
    expect((await directory.accounts.disable(account.id)).status).toBe('disabled');
    expect(recorded.length).toBeGreaterThan(0);
  });

  it('allows and records those edits when the binding pushes them (outbound on, in scope)', async () => {
    const binding = await newBinding();
    const { unit, account } = await linked(binding.id, binding.targetUnitId, 72);
    const outside = await directory.units.add({ name: 'Outside scope', parentId: binding.targetUnitId });
    await bindings.update(binding.id, { outbound: { enabled: true, units: { kind: 'units', units: [{ unitId: unit.id, subtree: true }] } } });
    recorded = [];

    expect((await directory.accounts.update(account.id, { displayName: 'Pushed name' })).displayName).toBe('Pushed name');
    expect((await directory.units.update(unit.id, { name: 'Pushed dept' })).name).toBe('Pushed dept');
    // A chosen unit stays in scope wherever it moves; a member joining a unit outside the chosen ones is refused.
    expect((await directory.units.move(unit.id, { parentId: outside.id })).parentId).toBe(outside.id);
    expect(await rejection(directory.accounts.update(account.id, { unitIds: [unit.id, outside.id] }))).toMatchObject({
      code: 'account.field_owned_by_dingtalk',
      details: { field: 'unitIds' },
    });
    expect(recorded.map((r) => r.changes)).toEqual([
      [{ kind: 'account.upsert', accountId: account.id }],
      [{ kind: 'unit.upsert', unitId: unit.id }],
      [{ kind: 'unit.upsert', unitId: unit.id }],
      [{ kind: 'unit.upsert', unitId: unit.id }],
    ]);
    expect(await directory.accounts.remove(account.id)).toEqual({ id: account.id, removed: true });
    const links = await database().db.selectFrom('external_identities').select('local_id').where('local_id', '=', account.id).execute();
    expect(links).toEqual([]);
  });

  it('stores outbound settings, lists outbound bindings, and refuses outbound units outside the target subtree', async () => {
    const binding = await newBinding();
    expect(binding.outbound).toEqual({ enabled: false, agentId: null, units: { kind: 'all' } });
    const inside = await directory.units.add({ name: 'In', parentId: binding.targetUnitId });
    const stranger = await directory.units.add({ name: `Stranger-${randomBytes(2).toString('hex')}`, parentId: null });

    const updated = await bindings.update(binding.id, {
      outbound: { enabled: true, agentId: '4242', units: { kind: 'units', units: [{ unitId: inside.id, subtree: false }] } },
    });
    expect(updated.outbound).toEqual({ enabled: true, agentId: '4242', units: { kind: 'units', units: [{ unitId: inside.id, subtree: false }] } });
    expect(await bindings.outboundBindings()).toContainEqual({
      bindingId: binding.id,
      targetUnitId: binding.targetUnitId,
      agentId: '4242',
      units: { kind: 'units', units: [{ unitId: inside.id, subtree: false }] },
    });
    // Other updates keep it.
    expect((await bindings.update(binding.id, { name: 'Renamed binding' })).outbound.enabled).toBe(true);

    const refused = await rejection(
      bindings.update(binding.id, { outbound: { enabled: true, units: { kind: 'units', units: [{ unitId: stranger.id, subtree: true }] } } }),
    );
    expect(refused).toMatchObject({ code: 'binding.invalid', status: 400 });
    expect(refused.message).toContain('outbound.units.units.0.unitId');

    await bindings.update(binding.id, { outbound: { enabled: false } });
    expect((await bindings.outboundBindings()).some((b) => b.bindingId === binding.id)).toBe(false);
  });

  it('bindings check probes the write permission when outbound is on: granted, then revoked', async () => {
    const binding = await newBinding({ enabled: true });
    const item = (report: Awaited<ReturnType<Bindings['check']>>) => report.items.find((i) => i.key === 'permission:qyapi_manage_addresslist');
    expect(item(await bindings.check(binding.id))).toMatchObject({ status: 'ok', api: 'topapi/v2/department/update' });

    await emulator.control('PUT', `/apps/${emulator.appKey}/permissions`, { revoked: ['qyapi_manage_addresslist'] });
    try {
      const report = await bindings.check(binding.id);
      expect(item(report)).toMatchObject({ status: 'missing' });
      expect(report.ok).toBe(false);
    } finally {
      await emulator.control('PUT', `/apps/${emulator.appKey}/permissions`, { granted: ['qyapi_manage_addresslist'] });
    }
    const off = await newBinding();
    expect(item(await bindings.check(off.id))).toMatchObject({ status: 'skipped' });
    // The probe changed nothing in DingTalk.
    expect(emulator.counts().depts).toBeGreaterThan(0);
  });
});
