/**
 * The local directory as the rest of the application uses it: the export (CLI `directory export`, REST
 * `GET /api/v1/directory`) and the few writes other areas need (a binding's target unit). Sync writes the
 * directory through its own apply step, in its own transactions.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { AppError, isUuid } from '../core/index.ts';
import type { Database, Unit } from '../db/index.ts';
import type { DirectoryExport, DirectoryService } from './directory-contract.ts';

export interface UnitCreateInput {
  name: string;
  /** Null for a top-level unit. */
  parentId: string | null;
  /** The binding whose sync manages the unit; leave out for a unit of its own (a binding's target unit is one). */
  bindingId?: string | null;
}

export interface Directory extends DirectoryService {
  export(): Promise<DirectoryExport>;
  /** Creates a unit; pass `trx` to create it inside the caller's transaction (a binding and its target unit). */
  createUnit(input: UnitCreateInput, trx?: Transaction<Database>): Promise<Unit>;
  unitExists(id: string): Promise<boolean>;
}

/**
 * The directory over a database.
 *
 * @example
 * const directory = createDirectory({ db });
 * const target = await directory.createUnit({ name: 'Acme (DingTalk)', parentId: null });
 * const { units, accounts } = await directory.export();
 */
export function createDirectory({ db }: { db: Kysely<Database> }): Directory {
  return {
    export: () => exportDirectory(db),
    async createUnit(input, trx) {
      const name = input.name.trim();
      if (name === '') throw new AppError('directory.invalid_unit', 'A unit needs a non-empty name.', { status: 400 });
      const executor = trx ?? db;
      if (input.parentId !== null) {
        const parent = isUuid(input.parentId)
          ? await executor.selectFrom('units').select('id').where('id', '=', input.parentId).executeTakeFirst()
          : undefined;
        if (parent === undefined) {
          throw new AppError('directory.unit_not_found', `No parent unit with id ${input.parentId}. Export the directory to see the unit ids.`, {
            status: 404,
            details: { unitId: input.parentId },
          });
        }
      }
      return executor
        .insertInto('units')
        .values({ id: randomUUID(), parent_id: input.parentId, name, binding_id: input.bindingId ?? null })
        .returningAll()
        .executeTakeFirstOrThrow();
    },
    async unitExists(id) {
      if (!isUuid(id)) return false;
      const unit = await db.selectFrom('units').select('id').where('id', '=', id).executeTakeFirst();
      return unit !== undefined;
    },
  };
}

/**
 * Four set-based queries (units, unit links, accounts with their first link, memberships) and grouping in memory:
 * no query per row, so 100k accounts export in a few seconds.
 */
async function exportDirectory(db: Kysely<Database>): Promise<DirectoryExport> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const units = await trx
        .selectFrom('units as u')
        .leftJoin('external_identities as ei', (join) =>
          join.onRef('ei.local_id', '=', 'u.id').on('ei.kind', '=', 'dingtalk_dept'),
        )
        .leftJoin('bindings as b', 'b.id', 'ei.binding_id')
        .select(['u.id', 'u.parent_id', 'u.name', 'u.sort_order', 'ei.external_id as dept_id', 'b.corp_id'])
        .orderBy('u.id')
        .orderBy('ei.created_at')
        .execute();
      const accounts = await trx
        .selectFrom('accounts as a')
        .select(['a.id', 'a.username', 'a.display_name', 'a.email', 'a.mobile', 'a.status'])
        .execute();
      // The first link of each account (by when it was made), as the contract says.
      const links = await trx
        .selectFrom('external_identities as ei')
        .innerJoin('bindings as b', 'b.id', 'ei.binding_id')
        .select(['ei.local_id', 'ei.external_id', 'ei.unionid', 'b.corp_id'])
        .distinctOn('ei.local_id')
        .where('ei.kind', '=', 'dingtalk_user')
        .orderBy('ei.local_id')
        .orderBy('ei.created_at')
        .orderBy('b.corp_id')
        .execute();
      const memberships = await trx
        .selectFrom('memberships')
        .select(['account_id', 'unit_id'])
        .orderBy('account_id')
        .orderBy('is_main', 'desc')
        .orderBy('sort_order')
        .orderBy('unit_id')
        .execute();

      const linkOf = new Map(links.map((link) => [link.local_id, link]));
      const unitIdsOf = new Map<string, string[]>();
      for (const membership of memberships) {
        const list = unitIdsOf.get(membership.account_id);
        if (list === undefined) unitIdsOf.set(membership.account_id, [membership.unit_id]);
        else list.push(membership.unit_id);
      }
      accounts.sort((a, b) => compare(a.username.toLowerCase(), b.username.toLowerCase()) || compare(a.id, b.id));

      return {
        units: treeOrder(units).map((unit) => ({
          id: unit.id,
          parentId: unit.parent_id,
          name: unit.name,
          external:
            unit.dept_id === null || unit.corp_id === null ? null : { corpId: unit.corp_id, deptId: Number(unit.dept_id) },
        })),
        accounts: accounts.map((account) => {
          const link = linkOf.get(account.id);
          return {
            id: account.id,
            username: account.username,
            displayName: account.display_name,
            email: account.email,
            mobile: account.mobile,
            status: account.status,
            unitIds: unitIdsOf.get(account.id) ?? [],
            external: link === undefined ? null : { corpId: link.corp_id, userid: link.external_id, unionid: link.unionid },
          };
        }),
      };
    });
}

interface UnitRow {
  id: string;
  parent_id: string | null;
  name: string;
  sort_order: number;
}

/**
 * Parents before children, siblings by sort order then name (then id, so the order is total): a depth-first walk
 * from the roots. Units whose parent chain loops (only possible by hand) come last rather than vanish.
 */
export function treeOrder<T extends UnitRow>(rows: readonly T[]): T[] {
  const byId = new Map<string, T>();
  for (const row of rows) if (!byId.has(row.id)) byId.set(row.id, row); // a unit linked twice is listed once
  const children = new Map<string | null, T[]>();
  for (const unit of byId.values()) {
    const parent = unit.parent_id !== null && byId.has(unit.parent_id) ? unit.parent_id : null;
    const list = children.get(parent);
    if (list === undefined) children.set(parent, [unit]);
    else list.push(unit);
  }
  for (const list of children.values()) {
    list.sort((a, b) => Number(a.sort_order) - Number(b.sort_order) || compare(a.name, b.name) || compare(a.id, b.id));
  }
  const ordered: T[] = [];
  const seen = new Set<string>();
  const stack = [...(children.get(null) ?? [])].reverse();
  while (stack.length > 0) {
    const unit = stack.pop() as T;
    if (seen.has(unit.id)) continue;
    seen.add(unit.id);
    ordered.push(unit);
    stack.push(...[...(children.get(unit.id) ?? [])].reverse());
  }
  for (const unit of byId.values()) if (!seen.has(unit.id)) ordered.push(unit);
  return ordered;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
