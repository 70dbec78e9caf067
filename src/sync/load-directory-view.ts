/**
 * The load step: reads the local side of one binding's diff ({@link LocalDirectoryView}) from the database in a
 * handful of set-based queries inside one repeatable-read transaction, so the view is one consistent moment even
 * while administrators edit the directory.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database, JsonObject } from '../db/index.ts';
import type {
  AccountFieldValues,
  LocalCandidateAccount,
  LocalDirectoryView,
  LocalLinkedAccount,
  LocalMembership,
  LocalUnit,
} from './local-directory-view.ts';

/** Units below a target are walked at most this deep: a loop left by hand in the tree cannot hang the load. */
const MAX_DEPTH = 10_000;

/** An account row as the view loaders select it (`main_elsewhere` computed by the query). */
export interface AccountRow {
  id: string;
  username: string;
  display_name: string;
  email: string | null;
  mobile: string | null;
  job_number: string | null;
  title: string | null;
  status: 'enabled' | 'disabled';
  attributes: JsonObject;
  main_elsewhere: boolean;
}

/**
 * Loads what a plan for `binding` needs: the units below its target (other bindings' target subtrees left out)
 * and the units linked to it wherever they are; its linked accounts; every other account as a candidate; and the
 * memberships in the target unit and those units. The target unit itself is not in `units`.
 *
 * @example
 * const local = await loadDirectoryView(db, { id: binding.id, targetUnitId: binding.targetUnitId });
 * const plan = planSync({ binding, snapshot, local, now: clock.now() });
 */
export async function loadDirectoryView(
  db: Kysely<Database>,
  binding: { id: string; targetUnitId: string },
): Promise<LocalDirectoryView> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      // The view's units as a CTE every query below starts with: the subtree walk stops at other bindings' targets.
      const viewUnits = sql`
        with recursive below(id, depth) as (
          select u.id, 1 from units u
          where u.parent_id = ${binding.targetUnitId}
            and not exists (select 1 from bindings b where b.target_unit_id = u.id and b.id <> ${binding.id})
          union all
          select u.id, below.depth + 1 from units u join below on u.parent_id = below.id
          where below.depth < ${MAX_DEPTH}
            and not exists (select 1 from bindings b where b.target_unit_id = u.id and b.id <> ${binding.id})
        ),
        view_units(id) as (
          select id from below
          union
          select local_id from external_identities where binding_id = ${binding.id} and kind = 'dingtalk_dept'
        )`;
      /** Memberships the view covers: the target unit's and the view's units'. */
      const covered = sql`(select id from view_units union all select ${binding.targetUnitId}::uuid)`;

      const units = await sql<{ id: string; parent_id: string | null; name: string; sort_order: number; dept_id: string | null }>`
        ${viewUnits}
        select u.id, u.parent_id, u.name, u.sort_order, ei.external_id as dept_id
        from units u
        join view_units v on v.id = u.id
        left join external_identities ei
          on ei.binding_id = ${binding.id} and ei.kind = 'dingtalk_dept' and ei.local_id = u.id
        where u.id <> ${binding.targetUnitId}
        order by u.id`.execute(trx);

      const mainElsewhere = (account: RawBuilder<unknown>) => sql`exists (
          select 1 from memberships m
          where m.account_id = ${account} and m.is_main and m.unit_id not in ${covered})`;

      const linked = await sql<LinkedAccountRow>`
        ${viewUnits}
        select a.id, a.username, a.display_name, a.email, a.mobile, a.job_number, a.title, a.status, a.attributes,
          a.disabled_at, a.disabled_by, ei.external_id as userid, ei.unionid,
          exists (
            select 1 from external_identities other
            where other.kind = 'dingtalk_user' and other.local_id = a.id and other.binding_id <> ${binding.id}
          ) as linked_elsewhere,
          ${mainElsewhere(sql.ref('a.id'))} as main_elsewhere
        from external_identities ei
        join accounts a on a.id = ei.local_id
        where ei.binding_id = ${binding.id} and ei.kind = 'dingtalk_user'
        order by ei.external_id`.execute(trx);

      const candidates = await sql<AccountRow>`
        ${viewUnits}
        select a.id, a.username, a.display_name, a.email, a.mobile, a.job_number, a.title, a.status, a.attributes,
          ${mainElsewhere(sql.ref('a.id'))} as main_elsewhere
        from accounts a
        where not exists (
          select 1 from external_identities ei
          where ei.binding_id = ${binding.id} and ei.kind = 'dingtalk_user' and ei.local_id = a.id
        )
        order by a.id`.execute(trx);

      const memberships = await sql<MembershipRow>`
        ${viewUnits}
        select m.account_id, m.unit_id, m.sort_order, m.is_leader, m.is_main
        from memberships m
        where m.unit_id in ${covered}
        order by m.account_id, m.unit_id`.execute(trx);

      return {
        units: units.rows.map(
          (row): LocalUnit => ({
            id: row.id,
            parentId: row.parent_id,
            name: row.name,
            sortOrder: Number(row.sort_order),
            deptId: row.dept_id === null ? null : Number(row.dept_id),
          }),
        ),
        accounts: linked.rows.map(linkedAccountOf),
        candidates: candidates.rows.map(candidateOf),
        memberships: memberships.rows.map(membershipOf),
      };
    });
}

/** A linked account row: the account with its link to this binding. */
export type LinkedAccountRow = AccountRow & {
  userid: string;
  unionid: string | null;
  disabled_at: Date | null;
  disabled_by: 'sync' | 'admin' | null;
  linked_elsewhere: boolean;
};

export interface MembershipRow {
  account_id: string;
  unit_id: string;
  sort_order: number;
  is_leader: boolean;
  is_main: boolean;
}

/** A linked account row as the view holds it (full view and event batches alike). */
export function linkedAccountOf(row: LinkedAccountRow): LocalLinkedAccount {
  return {
    id: row.id,
    userid: row.userid,
    unionid: row.unionid,
    status: row.status,
    disabledAt: row.disabled_at === null ? null : new Date(row.disabled_at).getTime(),
    // An account disabled without a record of who did it is the administrator's (never re-enabled by sync).
    disabledBy: row.status === 'disabled' ? (row.disabled_by ?? 'admin') : null,
    linkedElsewhere: row.linked_elsewhere,
    mainElsewhere: row.main_elsewhere,
    fields: fieldsOf(row),
  };
}

export function candidateOf(row: AccountRow): LocalCandidateAccount {
  return { id: row.id, status: row.status, mainElsewhere: row.main_elsewhere, fields: fieldsOf(row) };
}

export function membershipOf(row: MembershipRow): LocalMembership {
  return { accountId: row.account_id, unitId: row.unit_id, order: Number(row.sort_order), leader: row.is_leader, main: row.is_main };
}

/** The mapped fields of an account row, as the diff compares them. */
export function fieldsOf(row: AccountRow): AccountFieldValues {
  return {
    username: row.username,
    displayName: row.display_name,
    email: row.email,
    mobile: row.mobile,
    jobNumber: row.job_number,
    title: row.title,
    attributes: row.attributes,
  };
}
