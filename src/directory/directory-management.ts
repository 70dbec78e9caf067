/**
 * Managing the directory by hand (issue 7): units and accounts added, changed, moved and removed through the admin
 * API and the CLI. Each change runs in one transaction that also records it in the outbox
 * (`outbox.record(trx, changes)`), so a change inside a binding's outbound scope is pushed to DingTalk exactly when
 * it commits. Edits of what DingTalk owns are refused unless they are pushed (see `directory-ownership.ts`).
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { AppError, isAppError, isUuid, systemClock, type Clock } from '../core/index.ts';
import { translatePostgresError, type Account, type Database, type Unit } from '../db/index.ts';
import { accountHistory } from './account-history.ts';
import {
  accountCreateSchema,
  accountHistoryQuerySchema,
  accountListQuerySchema,
  accountUpdateSchema,
  unitCreateSchema,
  unitListQuerySchema,
  unitMoveSchema,
  unitUpdateSchema,
  type AccountPage,
  type AccountsService,
  type AccountView,
  type FieldEditability,
  type UnitsService,
  type UnitView,
} from './directory-contract.ts';
import {
  coversUnit,
  ownedByDingTalk,
  ownedReason,
  ownersOf,
  unitChain,
  type OutboundSettingsSource,
  type Owner,
} from './directory-ownership.ts';
import { treeOrder } from './create-directory.ts';
import type { z } from 'zod';

/** What the outbox records (the outbound area's `OutboxChange`, repeated here so the directory depends on its shape only). */
export type DirectoryChange =
  | { kind: 'unit.upsert' | 'unit.remove'; unitId: string }
  | { kind: 'account.upsert' | 'account.remove'; accountId: string };

/** The outbox as the directory uses it (`Outbox` of `src/outbound/`). */
export interface ChangeRecorder {
  /** Inside the change's transaction, before rows are deleted; does nothing for objects no outbound scope covers. */
  record(trx: Transaction<Database>, changes: DirectoryChange[]): Promise<void>;
}

export interface DirectoryManagementDeps {
  db: Kysely<Database>;
  outbox: ChangeRecorder;
  bindings: OutboundSettingsSource;
  clock?: Clock;
}

export interface DirectoryManagement {
  units: UnitsService;
  accounts: AccountsService;
}

/** How many names an error lists before "and N more". */
const NAMED = 5;

/**
 * The units and accounts services over a database.
 *
 * @example
 * const { units, accounts } = createDirectoryManagement({ db, outbox, bindings });
 * const sales = await units.add({ name: 'Sales', parentId: targetUnitId });
 * await accounts.add({ username: 'li.lei', displayName: '李雷', unitIds: [sales.id] });
 */
export function createDirectoryManagement(deps: DirectoryManagementDeps): DirectoryManagement {
  const { db, outbox } = deps;
  const clock = deps.clock ?? systemClock;
  const now = (): Date => new Date(clock.now());

  const transact = async <T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> => {
    try {
      return await db.transaction().execute(work);
    } catch (error) {
      throw translateConflict(error);
    }
  };

  /**
   * The owners of an object that do not push the edit back: each would undo it at its next sync. `some`: the object
   * is in scope when any of its units (chains) is covered (an account's fields); `every`: each place the change
   * touches inside the owner's subtree must be covered (a move, memberships added or dropped).
   */
  const blockingOwners = async (
    trx: Kysely<Database>,
    owners: Owner[],
    chains: readonly (readonly string[])[],
    mode: 'some' | 'every',
  ): Promise<Owner[]> => {
    if (owners.length === 0) return [];
    const outbound = await deps.bindings.outboundBindings(trx);
    return owners.filter((owner) => {
      const binding = outbound.find((b) => b.bindingId === owner.bindingId);
      if (binding === undefined) return true;
      const relevant = chains.filter((chain) => chain.includes(owner.targetUnitId));
      const covered = (chain: readonly string[]) => coversUnit(binding, chain);
      return mode === 'some' ? !relevant.some(covered) : !relevant.every(covered);
    });
  };

  const loadUnit = async (executor: Kysely<Database>, id: string, lock = false): Promise<Unit> => {
    if (!isUuid(id)) throw unitNotFound(id);
    let query = executor.selectFrom('units').selectAll().where('id', '=', id);
    if (lock) query = query.forUpdate();
    const unit = await query.executeTakeFirst();
    if (unit === undefined) throw unitNotFound(id);
    return unit;
  };

  const loadAccount = async (executor: Kysely<Database>, id: string, lock = false): Promise<Account> => {
    if (!isUuid(id)) throw accountNotFound(id);
    let query = executor.selectFrom('accounts').selectAll().where('id', '=', id);
    if (lock) query = query.forUpdate();
    const account = await query.executeTakeFirst();
    if (account === undefined) throw accountNotFound(id);
    return account;
  };

  const ensureSiblingNameFree = async (trx: Kysely<Database>, parentId: string | null, name: string, self?: string): Promise<void> => {
    let query = trx.selectFrom('units').select('id').where(sql<string>`lower(name)`, '=', name.toLowerCase());
    query = parentId === null ? query.where('parent_id', 'is', null) : query.where('parent_id', '=', parentId);
    if (self !== undefined) query = query.where('id', '<>', self);
    const twin = await query.executeTakeFirst();
    if (twin !== undefined) {
      // DingTalk refuses two sibling departments of one name (§5.1, 60008); refusing here keeps a push possible.
      throw new AppError('unit.name_taken', `A unit named "${name}" already exists under the same parent (${twin.id}). Choose another name.`, {
        status: 409,
        details: { name, parentId, unitId: twin.id },
      });
    }
  };

  const unitViews = async (executor: Kysely<Database>, ids: readonly string[] | 'all', parentId?: string): Promise<UnitView[]> => {
    let query = executor.selectFrom('units').selectAll();
    if (ids !== 'all') {
      if (ids.length === 0) return [];
      query = query.where('id', 'in', ids);
    }
    if (parentId !== undefined) query = query.where('parent_id', '=', parentId);
    const rows = await query.execute();
    if (rows.length === 0) return [];
    const all = ids === 'all' && parentId === undefined;
    const rowIds = rows.map((row) => row.id);
    const links = await executor
      .selectFrom('external_identities as ei')
      .innerJoin('bindings as b', 'b.id', 'ei.binding_id')
      .select(['ei.local_id', 'ei.binding_id', 'b.corp_id', 'ei.external_id'])
      .where('ei.kind', '=', 'dingtalk_dept')
      .$if(!all, (q) => q.where('ei.local_id', 'in', rowIds))
      .orderBy('ei.created_at')
      .execute();
    const children = await executor
      .selectFrom('units')
      .select(['parent_id', (eb) => eb.fn.countAll<number>().as('n')])
      .$if(!all, (q) => q.where('parent_id', 'in', rowIds))
      .groupBy('parent_id')
      .execute();
    const members = await executor
      .selectFrom('memberships')
      .select(['unit_id', (eb) => eb.fn.countAll<number>().as('n')])
      .$if(!all, (q) => q.where('unit_id', 'in', rowIds))
      .groupBy('unit_id')
      .execute();
    const childCount = new Map(children.map((row) => [row.parent_id, Number(row.n)]));
    const memberCount = new Map(members.map((row) => [row.unit_id, Number(row.n)]));
    const linksOf = new Map<string, UnitView['links']>();
    for (const link of links) {
      const list = linksOf.get(link.local_id) ?? [];
      list.push({ bindingId: link.binding_id, corpId: link.corp_id, deptId: Number(link.external_id) });
      linksOf.set(link.local_id, list);
    }
    return treeOrder(rows).map((row) => ({
      id: row.id,
      parentId: row.parent_id,
      name: row.name,
      order: Number(row.sort_order),
      bindingId: row.binding_id,
      links: linksOf.get(row.id) ?? [],
      memberCount: memberCount.get(row.id) ?? 0,
      childCount: childCount.get(row.id) ?? 0,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
    }));
  };

  const unitView = async (executor: Kysely<Database>, id: string): Promise<UnitView> => {
    const [view] = await unitViews(executor, [id]);
    if (view === undefined) throw unitNotFound(id);
    return view;
  };

  const accountViews = async (executor: Kysely<Database>, rows: readonly Account[]): Promise<AccountView[]> => {
    if (rows.length === 0) return [];
    const ids = rows.map((row) => row.id);
    const memberships = await executor
      .selectFrom('memberships')
      .select(['account_id', 'unit_id', 'is_main', 'is_leader', 'sort_order'])
      .where('account_id', 'in', ids)
      .orderBy('account_id')
      .orderBy('is_main', 'desc')
      .orderBy('sort_order')
      .orderBy('unit_id')
      .execute();
    const links = await executor
      .selectFrom('external_identities as ei')
      .innerJoin('bindings as b', 'b.id', 'ei.binding_id')
      .select(['ei.local_id', 'ei.binding_id', 'b.corp_id', 'ei.external_id', 'ei.unionid'])
      .where('ei.kind', '=', 'dingtalk_user')
      .where('ei.local_id', 'in', ids)
      .orderBy('ei.created_at')
      .execute();
    const unitsOf = new Map<string, { unitIds: string[]; main: string | null; memberships: AccountView['memberships'] }>();
    for (const m of memberships) {
      const entry = unitsOf.get(m.account_id) ?? { unitIds: [], main: null, memberships: [] };
      entry.unitIds.push(m.unit_id);
      entry.memberships.push({ unitId: m.unit_id, main: m.is_main, leader: m.is_leader, order: Number(m.sort_order) });
      if (m.is_main) entry.main = m.unit_id;
      unitsOf.set(m.account_id, entry);
    }
    const linksOf = new Map<string, AccountView['links']>();
    for (const link of links) {
      const list = linksOf.get(link.local_id) ?? [];
      list.push({ bindingId: link.binding_id, corpId: link.corp_id, userid: link.external_id, unionid: link.unionid });
      linksOf.set(link.local_id, list);
    }
    return rows.map((row) => ({
      id: row.id,
      username: row.username,
      displayName: row.display_name,
      email: row.email,
      mobile: row.mobile,
      jobNumber: row.job_number,
      title: row.title,
      status: row.status,
      disabledBy: row.disabled_by,
      consoleRole: row.console_role,
      unitIds: unitsOf.get(row.id)?.unitIds ?? [],
      mainUnitId: unitsOf.get(row.id)?.main ?? null,
      memberships: unitsOf.get(row.id)?.memberships ?? [],
      links: linksOf.get(row.id) ?? [],
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
    }));
  };

  const accountView = async (executor: Kysely<Database>, id: string): Promise<AccountView> => {
    const [view] = await accountViews(executor, [await loadAccount(executor, id)]);
    return view!;
  };

  /** Every id must name a unit; the chains of all of them, in order. */
  const chainsOf = async (trx: Kysely<Database>, unitIds: readonly string[]): Promise<string[][]> => {
    const chains: string[][] = [];
    for (const unitId of unitIds) {
      const chain = isUuid(unitId) ? await unitChain(trx, unitId) : [];
      if (chain.length === 0) throw unitNotFound(unitId);
      chains.push(chain);
    }
    return chains;
  };

  const memberUnitIds = async (trx: Kysely<Database>, accountId: string): Promise<string[]> =>
    (await trx.selectFrom('memberships').select('unit_id').where('account_id', '=', accountId).execute()).map((row) => row.unit_id);

  const units: UnitsService = {
    async list(query = {}) {
      const { parentId } = parse(unitListQuerySchema, query);
      return unitViews(db, 'all', parentId);
    },

    async show(id) {
      if (!isUuid(id)) throw unitNotFound(id);
      return unitView(db, id);
    },

    async add(input) {
      const body = parse(unitCreateSchema, input);
      return transact(async (trx) => {
        if (body.parentId !== null) await loadUnit(trx, body.parentId, true);
        await ensureSiblingNameFree(trx, body.parentId, body.name);
        const id = randomUUID();
        const at = now();
        await trx
          .insertInto('units')
          .values({ id, parent_id: body.parentId, name: body.name, binding_id: null, sort_order: body.order ?? 0, created_at: at, updated_at: at })
          .execute();
        await outbox.record(trx, [{ kind: 'unit.upsert', unitId: id }]);
        return unitView(trx, id);
      });
    },

    async update(id, patch) {
      const body = parse(unitUpdateSchema, patch);
      return transact(async (trx) => {
        const unit = await loadUnit(trx, id, true);
        const changed: string[] = [];
        if (body.name !== undefined && body.name !== unit.name) changed.push('name');
        if (body.order !== undefined && body.order !== Number(unit.sort_order)) changed.push('order');
        if (changed.length === 0) return unitView(trx, id);
        const chain = await unitChain(trx, id);
        const blocking = await blockingOwners(trx, await ownersOf(trx, 'dingtalk_dept', id, [chain]), [chain], 'every');
        if (blocking[0] !== undefined) throw ownedByDingTalk('unit', id, changed[0]!, blocking[0]);
        if (body.name !== undefined) await ensureSiblingNameFree(trx, unit.parent_id, body.name, id);
        await trx
          .updateTable('units')
          .set({
            ...(body.name === undefined ? {} : { name: body.name }),
            ...(body.order === undefined ? {} : { sort_order: body.order }),
            updated_at: now(),
          })
          .where('id', '=', id)
          .execute();
        await outbox.record(trx, [{ kind: 'unit.upsert', unitId: id }]);
        return unitView(trx, id);
      });
    },

    async move(id, input) {
      const body = parse(unitMoveSchema, input);
      return transact(async (trx) => {
        const unit = await loadUnit(trx, id, true);
        await loadUnit(trx, body.parentId, true);
        if (unit.parent_id === body.parentId) return unitView(trx, id);
        const parentChain = await unitChain(trx, body.parentId);
        if (parentChain.includes(id)) {
          throw new AppError(
            'unit.move_loop',
            `Unit ${id} cannot move under ${body.parentId}: that unit is ${body.parentId === id ? 'the unit itself' : 'inside it'}, so the tree would loop. Choose a parent outside the unit's subtree.`,
            { status: 409, details: { unitId: id, parentId: body.parentId } },
          );
        }
        const before = await unitChain(trx, id);
        const after = [id, ...parentChain];
        // Both places must push it: the binding it leaves and the one it joins.
        const blocking = await blockingOwners(trx, await ownersOf(trx, 'dingtalk_dept', id, [before]), [before, after], 'every');
        if (blocking[0] !== undefined) throw ownedByDingTalk('unit', id, 'parentId', blocking[0]);
        await ensureSiblingNameFree(trx, body.parentId, unit.name, id);
        // Recorded before and after: a binding whose scope the unit leaves hears of it as well.
        await outbox.record(trx, [{ kind: 'unit.upsert', unitId: id }]);
        await trx.updateTable('units').set({ parent_id: body.parentId, updated_at: now() }).where('id', '=', id).execute();
        await outbox.record(trx, [{ kind: 'unit.upsert', unitId: id }]);
        return unitView(trx, id);
      });
    },

    async remove(id) {
      return transact(async (trx) => {
        const unit = await loadUnit(trx, id, true);
        const target = await trx.selectFrom('bindings').select(['id', 'name']).where('target_unit_id', '=', id).executeTakeFirst();
        if (target !== undefined) {
          throw new AppError(
            'unit.binding_target',
            `Unit ${id} is the target unit of binding "${target.name}" (${target.id}); remove the binding first (\`dingbridge bindings remove ${target.id}\`).`,
            { status: 409, details: { unitId: id, bindingId: target.id } },
          );
        }
        const children = await trx.selectFrom('units').select(['id', 'name']).where('parent_id', '=', id).orderBy('name').execute();
        const members = await trx
          .selectFrom('memberships as m')
          .innerJoin('accounts as a', 'a.id', 'm.account_id')
          .select(['a.id', 'a.username'])
          .where('m.unit_id', '=', id)
          .orderBy('a.username')
          .execute();
        if (children.length > 0 || members.length > 0) throw notEmpty(unit, children, members);
        const chain = await unitChain(trx, id);
        const blocking = await blockingOwners(trx, await ownersOf(trx, 'dingtalk_dept', id, [chain]), [chain], 'every');
        if (blocking[0] !== undefined) throw ownedByDingTalk('unit', id, '(removal)', blocking[0]);
        await outbox.record(trx, [{ kind: 'unit.remove', unitId: id }]);
        // A link to a removed unit anchors nothing.
        await trx.deleteFrom('external_identities').where('kind', '=', 'dingtalk_dept').where('local_id', '=', id).execute();
        await trx.deleteFrom('units').where('id', '=', id).execute();
        return { id, removed: true as const };
      });
    },

    async editable(id) {
      await loadUnit(db, id);
      // The checks of update, move and remove, for the unit where it stands (a move also needs its destination covered).
      const chain = await unitChain(db, id);
      const blocking = (await blockingOwners(db, await ownersOf(db, 'dingtalk_dept', id, [chain]), [chain], 'every'))[0];
      const field = editability('unit', blocking);
      return { id, fields: { name: field, order: field, parentId: field, remove: field } };
    },
  };

  const accounts: AccountsService = {
    async list(query = {}) {
      const { q, unitId, offset, limit } = parse(accountListQuerySchema, query);
      let base = db.selectFrom('accounts as a');
      if (q !== undefined) {
        const pattern = `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        base = base.where((eb) =>
          eb.or([
            eb(sql<string>`lower(a.username)`, 'like', pattern),
            eb(sql<string>`lower(a.display_name)`, 'like', pattern),
            eb(sql<string>`lower(coalesce(a.email, ''))`, 'like', pattern),
            eb(sql<string>`coalesce(a.mobile, '')`, 'like', pattern),
            eb(sql<string>`lower(coalesce(a.job_number, ''))`, 'like', pattern),
          ]),
        );
      }
      if (unitId !== undefined) {
        base = base.where((eb) =>
          eb.exists(eb.selectFrom('memberships as m').select('m.unit_id').whereRef('m.account_id', '=', 'a.id').where('m.unit_id', '=', unitId)),
        );
      }
      const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const rows = await base
        .selectAll('a')
        .orderBy(sql`lower(a.username)`)
        .orderBy('a.id')
        .offset(offset)
        .limit(limit)
        .execute();
      const page: AccountPage = { items: await accountViews(db, rows), total: Number(total.n), offset, limit };
      return page;
    },

    async show(id) {
      return accountView(db, id);
    },

    async add(input) {
      const body = parse(accountCreateSchema, input);
      const unitIds = [...new Set(body.unitIds)];
      const main = body.mainUnitId ?? unitIds[0]!;
      if (!unitIds.includes(main)) throw invalid('mainUnitId', `the main unit ${main} is not one of unitIds`);
      return transact(async (trx) => {
        await chainsOf(trx, unitIds);
        await ensureUsernameFree(trx, body.username);
        const id = randomUUID();
        const at = now();
        await trx
          .insertInto('accounts')
          .values({
            id,
            username: body.username,
            display_name: body.displayName,
            email: body.email ?? null,
            mobile: body.mobile ?? null,
            job_number: body.jobNumber ?? null,
            title: body.title ?? null,
            created_at: at,
            updated_at: at,
          })
          .execute();
        await trx
          .insertInto('memberships')
          .values(unitIds.map((unitId, index) => ({ account_id: id, unit_id: unitId, is_main: unitId === main, sort_order: index, created_at: at })))
          .execute();
        await outbox.record(trx, [{ kind: 'account.upsert', accountId: id }]);
        return accountView(trx, id);
      });
    },

    async update(id, patch) {
      const body = parse(accountUpdateSchema, patch);
      return transact(async (trx) => {
        const account = await loadAccount(trx, id, true);
        const currentUnits = await memberUnitIds(trx, id);
        const nextUnits = body.unitIds === undefined ? currentUnits : [...new Set(body.unitIds)];
        const currentMain = (
          await trx.selectFrom('memberships').select('unit_id').where('account_id', '=', id).where('is_main', '=', true).executeTakeFirst()
        )?.unit_id;
        const main = body.mainUnitId ?? (currentMain !== undefined && nextUnits.includes(currentMain) ? currentMain : nextUnits[0]);
        if (main !== undefined && !nextUnits.includes(main)) throw invalid('mainUnitId', `the main unit ${main} is not one of the account's units`);

        const columns = {
          username: ['username', body.username],
          displayName: ['display_name', body.displayName],
          email: ['email', body.email],
          mobile: ['mobile', body.mobile],
          jobNumber: ['job_number', body.jobNumber],
          title: ['title', body.title],
        } as const;
        const set: Record<string, string | null> = {};
        const changed: string[] = [];
        for (const [field, [column, value]] of Object.entries(columns)) {
          if (value === undefined || value === account[column]) continue;
          set[column] = value;
          changed.push(field);
        }
        const added = nextUnits.filter((u) => !currentUnits.includes(u));
        const dropped = currentUnits.filter((u) => !nextUnits.includes(u));
        const mainChanged = main !== currentMain;
        // The console role is local (never DingTalk's, never pushed): it skips the ownership checks and the outbox.
        if (body.consoleRole !== undefined && body.consoleRole !== account.console_role) {
          await trx.updateTable('accounts').set({ console_role: body.consoleRole, updated_at: now() }).where('id', '=', id).execute();
        }
        if (changed.length === 0 && added.length === 0 && dropped.length === 0 && !mainChanged) return accountView(trx, id);

        const currentChains = await chainsOf(trx, currentUnits);
        const owners = await ownersOf(trx, 'dingtalk_user', id, currentChains);
        if (owners.length > 0) {
          for (const owner of await blockingOwners(trx, owners, currentChains, 'some')) {
            const field = changed.find((f) => owner.dingtalkFields.has(f));
            if (field !== undefined) throw ownedByDingTalk('account', id, field, owner);
          }
          // Memberships in the binding's subtree are DingTalk's too (the sync sets them from dept_id_list): each unit
          // joined, left or made main there must be pushed.
          const touched = [...added, ...dropped, ...(mainChanged && main !== undefined ? [main] : [])];
          const touchedChains = await chainsOf(trx, touched);
          const blocking = await blockingOwners(trx, owners, touchedChains, 'every');
          const owner = blocking.find((o) => touchedChains.some((chain) => chain.includes(o.targetUnitId)));
          if (owner !== undefined) throw ownedByDingTalk('account', id, added.length > 0 || dropped.length > 0 ? 'unitIds' : 'mainUnitId', owner);
        } else {
          await chainsOf(trx, nextUnits); // every unit named must exist
        }
        if (body.username !== undefined && body.username.toLowerCase() !== account.username.toLowerCase()) {
          await ensureUsernameFree(trx, body.username, id);
        }
        // Recorded before the change too when memberships move: a binding whose scope the account leaves hears of it.
        if (added.length > 0 || dropped.length > 0) await outbox.record(trx, [{ kind: 'account.upsert', accountId: id }]);
        await trx.updateTable('accounts').set({ ...set, updated_at: now() }).where('id', '=', id).execute();
        if (dropped.length > 0) await trx.deleteFrom('memberships').where('account_id', '=', id).where('unit_id', 'in', dropped).execute();
        if (mainChanged) await trx.updateTable('memberships').set({ is_main: false }).where('account_id', '=', id).where('is_main', '=', true).execute();
        if (added.length > 0) {
          const at = now();
          await trx
            .insertInto('memberships')
            .values(added.map((unitId) => ({ account_id: id, unit_id: unitId, is_main: unitId === main, sort_order: nextUnits.indexOf(unitId), created_at: at })))
            .execute();
        }
        if (mainChanged && main !== undefined && !added.includes(main)) {
          await trx.updateTable('memberships').set({ is_main: true }).where('account_id', '=', id).where('unit_id', '=', main).execute();
        }
        await outbox.record(trx, [{ kind: 'account.upsert', accountId: id }]);
        return accountView(trx, id);
      });
    },

    async disable(id) {
      // An administrator's disable is theirs to make even for a DingTalk person: the sync never re-enables it.
      return transact(async (trx) => {
        const account = await loadAccount(trx, id, true);
        if (account.status === 'disabled') return accountView(trx, id);
        const at = now();
        await trx.updateTable('accounts').set({ status: 'disabled', disabled_at: at, disabled_by: 'admin', updated_at: at }).where('id', '=', id).execute();
        await outbox.record(trx, [{ kind: 'account.upsert', accountId: id }]);
        return accountView(trx, id);
      });
    },

    async enable(id) {
      return transact(async (trx) => {
        const account = await loadAccount(trx, id, true);
        if (account.status === 'enabled') return accountView(trx, id);
        await trx.updateTable('accounts').set({ status: 'enabled', disabled_at: null, disabled_by: null, updated_at: now() }).where('id', '=', id).execute();
        await outbox.record(trx, [{ kind: 'account.upsert', accountId: id }]);
        return accountView(trx, id);
      });
    },

    async remove(id) {
      return transact(async (trx) => {
        await loadAccount(trx, id, true);
        const chains = await chainsOf(trx, await memberUnitIds(trx, id));
        const blocking = await blockingOwners(trx, await ownersOf(trx, 'dingtalk_user', id, chains), chains, 'some');
        if (blocking[0] !== undefined) throw ownedByDingTalk('account', id, '(removal)', blocking[0]);
        await outbox.record(trx, [{ kind: 'account.remove', accountId: id }]);
        await trx.deleteFrom('external_identities').where('kind', '=', 'dingtalk_user').where('local_id', '=', id).execute();
        await trx.deleteFrom('accounts').where('id', '=', id).execute(); // memberships, sessions go with it
        return { id, removed: true as const };
      });
    },

    async editable(id) {
      await loadAccount(db, id);
      // The checks of update and remove: mapped fields when no owner pushes the account, memberships when an owner
      // does not push each of the account's units in its subtree (a new unit there must be covered too, on save).
      const chains = await chainsOf(db, await memberUnitIds(db, id));
      const owners = await ownersOf(db, 'dingtalk_user', id, chains);
      const some = await blockingOwners(db, owners, chains, 'some');
      const every = await blockingOwners(db, owners, chains, 'every');
      const field = (name: string) => editability('account', some.find((owner) => owner.dingtalkFields.has(name)));
      return {
        id,
        fields: {
          username: field('username'),
          displayName: field('displayName'),
          email: field('email'),
          mobile: field('mobile'),
          jobNumber: field('jobNumber'),
          title: field('title'),
          unitIds: editability('account', every[0]),
          remove: editability('account', some[0]),
        },
      };
    },

    async history(id, query = {}) {
      const page = parse(accountHistoryQuerySchema, query);
      await loadAccount(db, id);
      return accountHistory(db, id, page);
    },
  };

  return { units, accounts };
}

async function ensureUsernameFree(trx: Kysely<Database>, username: string, self?: string): Promise<void> {
  let query = trx.selectFrom('accounts').select(['id', 'username']).where(sql<string>`lower(username)`, '=', username.toLowerCase());
  if (self !== undefined) query = query.where('id', '<>', self);
  const holder = await query.executeTakeFirst();
  if (holder !== undefined) throw usernameTaken(username, holder.id);
}

function usernameTaken(username: string, holderId: string | undefined): AppError {
  return new AppError(
    'account.username_taken',
    `The username "${username}" is taken${holderId === undefined ? '' : ` by account ${holderId}`} (usernames are unique ignoring case). Choose another.`,
    { status: 409, details: { username, ...(holderId === undefined ? {} : { accountId: holderId }) } },
  );
}

/** The unique index decides a race the pre-check lost (STYLE.md §5: translated at the edge first). */
function translateConflict(error: unknown): unknown {
  if (isAppError(error) && !isAppError(error, 'db.conflict')) return error;
  const translated = translatePostgresError(error);
  if (isAppError(translated, 'db.conflict') && translated.details.constraint === 'accounts_username_key') return usernameTaken('(this username)', undefined);
  return translated;
}

function notEmpty(unit: Unit, children: { id: string; name: string }[], members: { id: string; username: string }[]): AppError {
  const named = (items: string[]) => `${items.slice(0, NAMED).join(', ')}${items.length > NAMED ? ` and ${items.length - NAMED} more` : ''}`;
  const parts: string[] = [];
  if (children.length > 0) parts.push(`${children.length} unit(s): ${named(children.map((c) => c.name))}`);
  if (members.length > 0) parts.push(`${members.length} member(s): ${named(members.map((m) => m.username))}`);
  return new AppError(
    'unit.not_empty',
    `Unit "${unit.name}" (${unit.id}) still holds ${parts.join('; ')}. Move them elsewhere first ` +
      '(`dingbridge units move <id> --parent <unit>`, `dingbridge accounts update <id> --unit <units>`), then remove it.',
    {
      status: 409,
      details: {
        unitId: unit.id,
        childUnitIds: children.slice(0, 100).map((c) => c.id),
        memberAccountIds: members.slice(0, 100).map((m) => m.id),
        children: children.length,
        members: members.length,
      },
    },
  );
}

/** Editable, or not because `owner` would undo the change at its next sync. */
function editability(kind: 'unit' | 'account', owner: Owner | undefined): FieldEditability {
  if (owner === undefined) return { editable: true };
  return { editable: false, reason: ownedReason(kind, owner), owner: { bindingId: owner.bindingId, bindingName: owner.bindingName } };
}

function unitNotFound(id: string): AppError {
  return new AppError('unit.not_found', `No unit with id ${JSON.stringify(id)}. List them with \`dingbridge units list\`.`, {
    status: 404,
    details: { unitId: id },
  });
}

function accountNotFound(id: string): AppError {
  return new AppError('account.not_found', `No account with id ${JSON.stringify(id)}. Find it with \`dingbridge accounts list --q <name>\`.`, {
    status: 404,
    details: { accountId: id },
  });
}

function invalid(field: string, message: string): AppError {
  return new AppError('directory.invalid', `${field}: ${message}.`, { status: 400, details: { issues: [{ field, message }] } });
}

/** zod at the boundary: `directory.invalid` names every bad field (never echoing values). */
function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ field: issue.path.map(String).join('.') || '(body)', message: issue.message }));
  return (() => {
    throw new AppError('directory.invalid', `Invalid input: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}.`, {
      status: 400,
      details: { issues },
    });
  })();
}
