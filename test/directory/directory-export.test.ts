/**
 * The directory's export (the contract of `dingbridge directory export --json` and `GET /api/v1/directory`) and
 * its unit writes, over real databases, after a real plan and apply.
 */
import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { createDirectory, directoryExportSchema } from '../../src/directory/index.ts';
import { buildSnapshot } from '../../src/sync/random-organization.test-support.ts';
import { describeEachDatabase } from '../support/test-database.ts';
import { createTestBinding, syncRound } from './directory-fixture.ts';

const T0 = Date.UTC(2026, 10, 24);

describeEachDatabase('directory', ({ database }) => {
  it('exports units parents first with their DingTalk links, and accounts by username with main unit first', async () => {
    const { db } = database();
    const directory = createDirectory({ db });
    const binding = await createTestBinding(db, { corpId: 'ding-export' });
    await syncRound(db, binding, buildSnapshot({
      departments: [[1, '', null], [20, 'Sales', 1], [10, 'Research', 1], [30, 'Frontend', 10]],
      users: [
        { userid: 'zed', record: { email: 'zed@example.com' }, memberships: [[30, 5], [20, 1], [10, 3]] },
        { userid: 'amy', memberships: [[1]] },
      ],
    }), T0);
    const local = await directory.createUnit({ name: '  Local  ', parentId: null });
    await db.insertInto('accounts').values({ id: randomUUID(), username: 'Mona', display_name: 'Mona' }).execute();

    const exported = directoryExportSchema.parse(await directory.export());
    const unitIndex = new Map(exported.units.map((unit, index) => [unit.id, index]));
    for (const unit of exported.units) {
      if (unit.parentId !== null) expect(unitIndex.get(unit.parentId)).toBeLessThan(unitIndex.get(unit.id) ?? -1);
    }
    const byName = new Map(exported.units.map((unit) => [unit.name, unit]));
    expect(byName.get('Local')).toEqual({ id: local.id, parentId: null, name: 'Local', external: null });
    expect(byName.get(`target of ding-export`)?.external).toBeNull();
    expect(byName.get('Frontend')).toMatchObject({ parentId: byName.get('Research')?.id, external: { corpId: 'ding-export', deptId: 30 } });
    // Siblings by sort order (DingTalk's listing order), not by name.
    expect(unitIndex.get(byName.get('Sales')?.id ?? '')).toBeLessThan(unitIndex.get(byName.get('Research')?.id ?? '') ?? -1);

    const usernames = exported.accounts.map((a) => a.username);
    expect(usernames.filter((u) => ['amy', 'Mona', 'zed'].includes(u))).toEqual(['amy', 'Mona', 'zed']);
    const zed = exported.accounts.find((a) => a.username === 'zed');
    expect(zed).toMatchObject({ displayName: 'name zed', email: 'zed@example.com', status: 'enabled', external: { corpId: 'ding-export', userid: 'zed', unionid: 'union-zed' } });
    // Main (the first department listed) first, then by the membership's order.
    expect(zed?.unitIds).toEqual([byName.get('Frontend')?.id, byName.get('Sales')?.id, byName.get('Research')?.id]);
    expect(exported.accounts.find((a) => a.username === 'Mona')).toMatchObject({ unitIds: [], external: null });
  });

  it('creates units under existing parents only, with a name, and says whether a unit exists', async () => {
    const directory = createDirectory({ db: database().db });
    const parent = await directory.createUnit({ name: 'Parent', parentId: null });
    const child = await directory.createUnit({ name: 'Child', parentId: parent.id });
    expect(child).toMatchObject({ parent_id: parent.id, name: 'Child', binding_id: null, sort_order: 0 });
    expect(await directory.unitExists(child.id)).toBe(true);
    expect(await directory.unitExists(randomUUID())).toBe(false);
    expect(await directory.unitExists('not-a-uuid')).toBe(false);
    await expect(directory.createUnit({ name: 'Orphan', parentId: randomUUID() })).rejects.toMatchObject({ code: 'directory.unit_not_found', status: 404 });
    await expect(directory.createUnit({ name: ' ', parentId: null })).rejects.toMatchObject({ code: 'directory.invalid_unit', status: 400 });
  });
});
