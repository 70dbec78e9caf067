/**
 * loadDirectoryView against real databases: which units, accounts, candidates and memberships a binding's view
 * holds when other bindings, administrators' moves and local accounts share the directory.
 */
import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { createTestBinding, syncRound } from '../../test/directory/directory-fixture.ts';
import { describeEachDatabase } from '../../test/support/test-database.ts';
import { json } from '../db/index.ts';
import { loadDirectoryView } from './load-directory-view.ts';
import { buildSnapshot } from './random-organization.test-support.ts';

const T0 = Date.UTC(2026, 10, 24);

describeEachDatabase('loadDirectoryView', ({ database }) => {
  it('holds the binding subtree and its linked units, not other bindings; flags accounts shared with them', async () => {
    const { db } = database();
    const outer = await createTestBinding(db, { corpId: 'ding-outer' });
    // Another binding whose target sits inside the first one's subtree: its units are not the outer binding's.
    const inner = await createTestBinding(db, { corpId: 'ding-inner', parentId: outer.targetUnitId });
    await syncRound(db, outer, buildSnapshot({
      departments: [[1, '', null], [2, '研发部', 1], [3, '前端组', 2]],
      users: [
        { userid: 'lv-alice', memberships: [[1], [3, 9, true]] },
        { userid: 'lv-bob', memberships: [[2]] },
      ],
    }), T0);
    await syncRound(db, inner, buildSnapshot({ departments: [[1, '', null], [5, '销售部', 1]], users: [{ userid: 'lv-carol', memberships: [[5]] }] }), T0);

    const outerView = await loadDirectoryView(db, outer);
    const unitOf = new Map(outerView.units.map((unit) => [unit.deptId, unit]));
    expect([...unitOf.keys()].sort()).toEqual([2, 3]);
    expect(unitOf.get(3)).toMatchObject({ name: '前端组', parentId: unitOf.get(2)?.id, sortOrder: 0 });

    // An administrator moves department 3's unit under a unit outside every binding, gives carol (inner) a
    // membership in the outer binding's unit 2, links bob to the inner binding too, and disables bob by hand.
    const elsewhere = randomUUID();
    await db.insertInto('units').values({ id: elsewhere, parent_id: null, name: 'elsewhere' }).execute();
    await db.updateTable('units').set({ parent_id: elsewhere }).where('id', '=', unitOf.get(3)?.id ?? '').execute();
    const innerView = await loadDirectoryView(db, inner);
    const carol = innerView.accounts.find((a) => a.userid === 'lv-carol');
    const bob = outerView.accounts.find((a) => a.userid === 'lv-bob');
    await db.insertInto('memberships').values({ account_id: carol?.id ?? '', unit_id: unitOf.get(2)?.id ?? '', sort_order: 1 }).execute();
    await db
      .insertInto('external_identities')
      .values({ binding_id: inner.id, kind: 'dingtalk_user', external_id: 'lv-bob-inner', unionid: null, local_id: bob?.id ?? '' })
      .execute();
    await db.updateTable('accounts').set({ status: 'disabled', disabled_at: new Date(T0), disabled_by: 'admin' }).where('id', '=', bob?.id ?? '').execute();

    const view = await loadDirectoryView(db, outer);
    expect(view.units.map((u) => u.deptId).sort()).toEqual([2, 3]); // 3 still there, wherever it was moved
    expect(view.units.find((u) => u.deptId === 3)?.parentId).toBe(elsewhere);
    expect(view.units.some((u) => u.id === inner.targetUnitId || u.id === outer.targetUnitId)).toBe(false);
    const accounts = new Map(view.accounts.map((a) => [a.userid, a]));
    expect(accounts.get('lv-bob')).toMatchObject({ status: 'disabled', disabledBy: 'admin', disabledAt: T0, linkedElsewhere: true });
    expect(accounts.get('lv-alice')).toMatchObject({ linkedElsewhere: false, mainElsewhere: false, unionid: 'union-lv-alice' });
    // Carol is the inner binding's: a candidate here, whose main membership lies outside this view.
    const candidate = view.candidates.find((c) => c.id === carol?.id);
    expect(candidate).toMatchObject({ status: 'enabled', mainElsewhere: true, fields: { username: 'lv-carol' } });
    expect(view.candidates.some((c) => c.id === bob?.id)).toBe(false);
    // Memberships: in the target unit and the view's units, whoever's.
    const alice = accounts.get('lv-alice');
    expect(view.memberships.filter((m) => m.accountId === alice?.id).map((m) => [m.unitId, m.main, m.leader, m.order]).sort()).toEqual(
      [[outer.targetUnitId, true, false, 0], [unitOf.get(3)?.id, false, true, 9]].sort(),
    );
    expect(view.memberships).toContainEqual({ accountId: carol?.id, unitId: unitOf.get(2)?.id, order: 1, leader: false, main: false });
    expect(view.memberships.some((m) => m.unitId === inner.targetUnitId)).toBe(false);
  });

  it('counts an account disabled with no record of who did it as the administrator\'s, and reads jsonb attributes', async () => {
    const { db } = database();
    const binding = await createTestBinding(db);
    await syncRound(db, binding, buildSnapshot({ departments: [[1, '', null]], users: [{ userid: 'lv-dan', memberships: [[1]] }] }), T0);
    const [account] = (await loadDirectoryView(db, binding)).accounts;
    // The constraint ties disabled_by to the status, so an old row is simulated by dropping it for this test.
    await db.schema.alterTable('accounts').dropConstraint('accounts_disabled_by_status_check').execute();
    await db
      .updateTable('accounts')
      .set({ status: 'disabled', disabled_at: new Date(T0), disabled_by: null, attributes: json({ desk: 'B2', floor: 3 }) })
      .where('id', '=', account?.id ?? '')
      .execute();
    const [loaded] = (await loadDirectoryView(db, binding)).accounts;
    expect(loaded).toMatchObject({ status: 'disabled', disabledBy: 'admin', fields: { attributes: { desk: 'B2', floor: 3 } } });
  });
});
