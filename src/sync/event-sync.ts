/**
 * Incremental sync from events (issue 5): the people and departments a batch of events names are re-read from
 * DingTalk (payloads are hints, §8.2 internal apps get ids only), put in a partial snapshot, and planned, guarded
 * and applied through the same core as a full sync, recorded as a run of kind `event`.
 *
 * ```
 * fetch → load (touched ids only) → plan → guard → apply
 * ```
 * - The partial snapshot holds every department the binding already links (names and parents from the directory,
 *   in their stored order, so positions do not churn) with the re-read ones laid over it, and the re-read people.
 *   It is incomplete, so the diff reports no absence — except people DingTalk confirms gone (`dingtalk.not_found`
 *   on `v2/user/get`), who are leavers under the binding's leaver policy and go through the guard's thresholds
 *   against the whole binding's populations. Every other removal (a deleted department's unit, a membership left)
 *   waits for a complete snapshot (the next full sync or reconciliation).
 * - The local view is loaded for the touched ids only (the linked units, the named people's accounts and
 *   memberships, candidate accounts sharing a match key or username with them), not the whole directory.
 * - People an outbound delivery is writing (an outbox row for their account) are left out: DingTalk's event for our
 *   own create or delete may come before the delivery commits its link or unlink, and must not create a second
 *   account or make a leaver of the account being unlinked.
 * - Out-of-order and duplicated events converge: whatever order they come in, each batch plans against DingTalk's
 *   current state and the directory's current state.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import { isAppError, systemClock, type Clock } from '../core/index.ts';
import type { Database, JsonValue } from '../db/index.ts';
import { json } from '../db/index.ts';
import { isDingTalkError, type DingTalkClient, type UserDetail } from '../dingtalk/index.ts';
import { usersInDelivery } from '../outbound/index.ts';
import type { AddressBookSnapshot, SnapshotDepartment, SnapshotUser } from './address-book-crawl.ts';
import { applyPlan } from './apply-plan.ts';
import { mapUserRecord } from './field-mapping.ts';
import type { LocalDirectoryView, LocalUnit } from './local-directory-view.ts';
import { candidateOf, linkedAccountOf, membershipOf, type AccountRow, type LinkedAccountRow } from './load-directory-view.ts';
import { recordPlannedOps } from './plan-op-record.ts';
import type { PlanBaseline } from './plan-operation.ts';
import { crawlRootsOf, ROOT_DEPT_ID } from './sync-binding.ts';
import { guardPlan } from './sync-guard.ts';
import { planSync } from './sync-plan.ts';
import type { SyncContext } from './sync-runs.ts';

/** What a batch of events names. */
export interface EventTouch {
  userids: readonly string[];
  deptIds: readonly number[];
}

export interface EventSyncResult {
  runId: string;
  status: 'succeeded' | 'partial' | 'failed' | 'held';
  applied: number;
  failed: number;
  skipped: number;
  /** People DingTalk no longer knows (leavers) and departments it no longer knows (left for a full sync). */
  goneUsers: string[];
  goneDepts: number[];
}

export interface EventSyncDeps {
  db: Kysely<Database>;
  context: SyncContext;
  logger: Pick<Logger, 'info' | 'warn'>;
  clock?: Clock;
  /** The event ids this batch covers, kept in the run's counts. */
  eventIds?: readonly string[];
}

/** How far up a new department's parents are read before giving up (a loop or a scope edge). */
const MAX_PARENT_HOPS = 32;

/**
 * Re-reads what `touch` names and applies the difference as one `event` run.
 *
 * @example
 * const result = await syncEventBatch({ db, context: await bindings.syncContext(id), logger }, { userids: ['u1'], deptIds: [] });
 * result.status; // 'succeeded'
 */
export async function syncEventBatch(deps: EventSyncDeps, touch: EventTouch): Promise<EventSyncResult> {
  const { db, context, logger } = deps;
  const clock = deps.clock ?? systemClock;
  const { binding } = context;
  const runId = randomUUID();
  const started = performance.now();
  await db
    .insertInto('sync_runs')
    .values({ id: runId, binding_id: binding.id, kind: 'event', status: 'running', started_at: new Date(clock.now()), step: 'crawl' })
    .execute();
  const client = context.client;
  const callsBefore = client.stats().total;
  try {
    // People an outbound delivery is writing (the event is often for that very write) are the delivery's to link or
    // unlink; read before the links, so a delivery that commits meanwhile is seen linked (`usersInDelivery`).
    const delivering = await usersInDelivery(db, binding.id, touch.userids);
    const units = await loadLinkedUnits(db, binding.id);
    const fetched = await fetchTouched(
      client,
      delivering.size === 0 ? touch : { ...touch, userids: touch.userids.filter((userid) => !delivering.has(userid)) },
      units,
      crawlRootsOf(binding.scope),
    );
    const snapshot = partialSnapshot(binding.scope.kind === 'all', crawlRootsOf(binding.scope), units, binding.targetUnitId, fetched);
    await db.updateTable('sync_runs').set({ step: 'load' }).where('id', '=', runId).execute();
    const touchedUserids = [...new Set([...fetched.users.keys(), ...fetched.goneUsers])];
    const local = await loadTouchedView(db, binding, units, touchedUserids, [...snapshot.users.values()]);
    const baseline = await bindingBaseline(db, binding.id, binding.targetUnitId);
    await db.updateTable('sync_runs').set({ step: 'plan' }).where('id', '=', runId).execute();
    const plan = planSync({ binding, snapshot, local, now: clock.now(), confirmedGone: new Set(fetched.goneUsers) });
    const keptPlan = { ...plan, baseline };
    // Only confirmed leavers can be destructive here: the thresholds weigh them against the whole binding.
    const verdict = guardPlan({ ...keptPlan, complete: true }, { complete: true, thresholds: context.thresholds, baseline });
    const counts: Record<string, JsonValue> = {
      departments: fetched.departments.size,
      users: fetched.users.size,
      goneUsers: fetched.goneUsers.length,
      goneDepts: fetched.goneDepts.length,
      events: deps.eventIds?.length ?? 0,
      ops: plan.counts,
      review: plan.review.length,
    };
    if (verdict.verdict === 'hold') {
      await recordPlannedOps(db, runId, keptPlan);
      await finish(db, clock, runId, client, callsBefore, started, {
        status: 'held',
        counts,
        guard: verdict as unknown as JsonValue,
        plan: keptPlan,
      });
      logger.warn({ runId, reasons: verdict.reasons.map((r) => r.code) }, 'events: batch held by the guard');
      return { runId, status: 'held', applied: 0, failed: 0, skipped: 0, goneUsers: fetched.goneUsers, goneDepts: fetched.goneDepts };
    }
    await db.updateTable('sync_runs').set({ step: 'apply' }).where('id', '=', runId).execute();
    const result = await applyPlan(db, keptPlan, { runId, now: new Date(clock.now()) });
    // Honest status: a department DingTalk no longer knows was not removed (that waits for a full sync).
    const status =
      result.failed + result.skipped > 0 ? (result.applied === 0 ? 'failed' : 'partial') : fetched.goneDepts.length > 0 ? 'partial' : 'succeeded';
    await finish(db, clock, runId, client, callsBefore, started, {
      status,
      counts: { ...counts, applied: result.applied, failed: result.failed, skipped: result.skipped },
      guard: verdict as unknown as JsonValue,
      plan: null,
      ...(fetched.goneDepts.length > 0
        ? {
            error: {
              code: 'sync.incomplete_snapshot',
              message: `Departments ${fetched.goneDepts.slice(0, 5).join(', ')} are gone from DingTalk; their units are removed by the next full sync.`,
            },
          }
        : {}),
    });
    logger.info({ runId, status, ...result }, 'events: batch applied');
    return { runId, status, ...result, goneUsers: fetched.goneUsers, goneDepts: fetched.goneDepts };
  } catch (error) {
    const body = isAppError(error)
      ? { code: error.code, message: error.message }
      : { code: 'internal', message: 'The event batch failed unexpectedly; see the server log.' };
    await finish(db, clock, runId, client, callsBefore, started, { status: 'failed', counts: {}, guard: null, plan: null, error: body, keepStep: true });
    throw error;
  }
}

async function finish(
  db: Kysely<Database>,
  clock: Clock,
  runId: string,
  client: DingTalkClient,
  callsBefore: number,
  started: number,
  end: { status: EventSyncResult['status']; counts: Record<string, JsonValue>; guard: JsonValue | null; plan: JsonValue | null; error?: JsonValue; keepStep?: boolean },
): Promise<void> {
  await db
    .updateTable('sync_runs')
    .set({
      status: end.status,
      ...(end.keepStep === true ? {} : { step: null }),
      counts: json({ ...end.counts, seconds: Math.round(performance.now() - started) / 1000 }),
      // The client is shared by the binding: the difference is this batch's calls plus whatever ran meanwhile.
      api_calls: json({ total: client.stats().total - callsBefore }),
      guard: end.guard === null ? null : json(end.guard),
      plan: end.plan === null ? null : json(end.plan),
      error: end.error === undefined ? null : json(end.error),
      ended_at: new Date(clock.now()),
    })
    .where('id', '=', runId)
    .execute();
}

interface Fetched {
  users: Map<string, UserDetail>;
  departments: Map<number, { deptId: number; name: string; parentId: number | null }>;
  goneUsers: string[];
  goneDepts: number[];
}

/** Re-reads the named people and departments, and the unknown departments (with parents) the people sit in. */
async function fetchTouched(
  client: DingTalkClient,
  touch: EventTouch,
  units: readonly LinkedUnit[],
  roots: readonly number[],
): Promise<Fetched> {
  const known = new Set<number>([ROOT_DEPT_ID, ...units.map((u) => u.deptId)]);
  const fetched: Fetched = { users: new Map(), departments: new Map(), goneUsers: [], goneDepts: [] };
  await Promise.all(
    [...new Set(touch.userids)].map(async (userid) => {
      try {
        fetched.users.set(userid, await client.users.get(userid));
      } catch (error) {
        if (!isDingTalkError(error, 'dingtalk.not_found')) throw error;
        fetched.goneUsers.push(userid);
      }
    }),
  );
  const readDepartment = async (deptId: number): Promise<void> => {
    if (fetched.departments.has(deptId) || fetched.goneDepts.includes(deptId)) return;
    try {
      const detail = await client.departments.get(deptId);
      const parentId = roots.includes(deptId) || deptId === ROOT_DEPT_ID ? null : (detail.parent_id ?? null);
      fetched.departments.set(deptId, { deptId, name: detail.name, parentId });
    } catch (error) {
      if (!isDingTalkError(error, 'dingtalk.not_found')) throw error;
      fetched.goneDepts.push(deptId);
    }
  };
  const wanted = new Set<number>(touch.deptIds.filter((id) => id !== ROOT_DEPT_ID));
  for (const user of fetched.users.values()) for (const deptId of user.dept_id_list) if (!known.has(deptId)) wanted.add(deptId);
  await Promise.all([...wanted].map(readDepartment));
  // Parents of new departments that the directory does not know yet, a level at a time.
  for (let hop = 0; hop < MAX_PARENT_HOPS; hop++) {
    const missing = [...fetched.departments.values()]
      .map((d) => d.parentId)
      .filter((id): id is number => id !== null && !known.has(id) && !fetched.departments.has(id) && !fetched.goneDepts.includes(id));
    if (missing.length === 0) break;
    await Promise.all([...new Set(missing)].map(readDepartment));
  }
  fetched.goneUsers.sort();
  fetched.goneDepts.sort((a, b) => a - b);
  return fetched;
}

interface LinkedUnit extends LocalUnit {
  deptId: number;
}

/** The units linked to the binding (a few thousand at most, even at 100k people): the department skeleton. */
async function loadLinkedUnits(db: Kysely<Database>, bindingId: string): Promise<LinkedUnit[]> {
  const rows = await db
    .selectFrom('external_identities as ei')
    .innerJoin('units as u', 'u.id', 'ei.local_id')
    .select(['u.id', 'u.parent_id', 'u.name', 'u.sort_order', 'ei.external_id'])
    .where('ei.binding_id', '=', bindingId)
    .where('ei.kind', '=', 'dingtalk_dept')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    parentId: row.parent_id,
    name: row.name,
    sortOrder: Number(row.sort_order),
    deptId: Number(row.external_id),
  }));
}

function partialSnapshot(
  wholeOrg: boolean,
  roots: readonly number[],
  units: readonly LinkedUnit[],
  targetUnitId: string,
  fetched: Fetched,
): AddressBookSnapshot {
  const deptOfUnit = new Map(units.map((u) => [u.id, u.deptId]));
  const departments = new Map<number, SnapshotDepartment>();
  if (wholeOrg) departments.set(ROOT_DEPT_ID, { deptId: ROOT_DEPT_ID, name: '', parentId: null });
  // Siblings in their stored order: the projection numbers positions by insertion order among siblings.
  const ordered = [...units].sort((a, b) => a.sortOrder - b.sortOrder || a.deptId - b.deptId);
  for (const unit of ordered) {
    if (fetched.goneDepts.includes(unit.deptId)) continue;
    const overlay = fetched.departments.get(unit.deptId);
    const localParent = unit.parentId === targetUnitId || unit.parentId === null ? ROOT_DEPT_ID : (deptOfUnit.get(unit.parentId) ?? null);
    const parentId = roots.includes(unit.deptId) && !wholeOrg ? null : (overlay?.parentId ?? localParent);
    departments.set(unit.deptId, { deptId: unit.deptId, name: overlay?.name ?? unit.name, parentId });
  }
  for (const department of fetched.departments.values()) {
    if (!departments.has(department.deptId)) departments.set(department.deptId, { ...department });
  }
  // A new department whose parents never reach a known one is outside a scoped binding: left out, not reviewed.
  for (const [deptId] of departments) {
    let current: number | null = deptId;
    let hops = 0;
    while (current !== null && departments.has(current) && hops++ < MAX_PARENT_HOPS) current = departments.get(current)?.parentId ?? null;
    if (current !== null && !wholeOrg && !units.some((u) => u.deptId === deptId)) departments.delete(deptId);
  }

  const users = new Map<string, SnapshotUser>();
  for (const [userid, detail] of fetched.users) {
    const orders = new Map((detail.dept_order_list ?? []).map((o) => [o.dept_id, o.order]));
    const leaders = new Map((detail.leader_in_dept ?? []).map((l) => [l.dept_id, l.leader]));
    users.set(userid, {
      userid,
      record: detail,
      memberships: detail.dept_id_list.map((deptId) => ({ deptId, order: orders.get(deptId) ?? null, leader: leaders.get(deptId) ?? false })),
    });
  }
  return {
    complete: false,
    roots: [...roots],
    departments,
    users,
    failures: [],
    requests: { listsub: 0, userList: 0 },
  };
}


/**
 * The local view a batch needs: linked units, the touched people's linked accounts, candidates sharing a match key
 * or username with them (matching and username uniqueness see the same accounts as with the full view), and those
 * accounts' memberships in the units the binding covers.
 */
async function loadTouchedView(
  db: Kysely<Database>,
  binding: SyncContext['binding'],
  units: readonly LinkedUnit[],
  userids: readonly string[],
  users: readonly SnapshotUser[],
): Promise<LocalDirectoryView> {
  const covered = [binding.targetUnitId, ...units.map((u) => u.id)];
  const keys = new Set<string>();
  for (const user of users) {
    for (const value of Object.values(mapUserRecord(binding.mapping, user.record))) {
      if (typeof value === 'string' && value.trim() !== '') keys.add(value.trim().toLowerCase());
    }
  }
  const keyList = [...keys];
  const mainElsewhere = sql<boolean>`exists (
    select 1 from memberships m where m.account_id = a.id and m.is_main and not (m.unit_id = any(${covered}::uuid[])))`;
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const linked =
        userids.length === 0
          ? []
          : (
              await sql<LinkedAccountRow>`
          select a.id, a.username, a.display_name, a.email, a.mobile, a.job_number, a.title, a.status, a.attributes,
            a.disabled_at, a.disabled_by, ei.external_id as userid, ei.unionid,
            exists (select 1 from external_identities other
              where other.kind = 'dingtalk_user' and other.local_id = a.id and other.binding_id <> ${binding.id}) as linked_elsewhere,
            ${mainElsewhere} as main_elsewhere
          from external_identities ei join accounts a on a.id = ei.local_id
          where ei.binding_id = ${binding.id} and ei.kind = 'dingtalk_user' and ei.external_id = any(${[...userids]}::text[])`.execute(trx)
            ).rows;
      const candidates =
        keyList.length === 0
          ? []
          : (
              await sql<AccountRow>`
          select a.id, a.username, a.display_name, a.email, a.mobile, a.job_number, a.title, a.status, a.attributes,
            ${mainElsewhere} as main_elsewhere
          from accounts a
          where (lower(a.username) = any(${keyList}::text[]) or lower(a.email) = any(${keyList}::text[])
              or a.mobile = any(${keyList}::text[]) or lower(a.job_number) = any(${keyList}::text[]))
            and not exists (select 1 from external_identities ei
              where ei.binding_id = ${binding.id} and ei.kind = 'dingtalk_user' and ei.local_id = a.id)`.execute(trx)
            ).rows;
      const accountIds = [...linked.map((r) => r.id), ...candidates.map((r) => r.id)];
      const memberships =
        accountIds.length === 0
          ? []
          : await trx
              .selectFrom('memberships')
              .select(['account_id', 'unit_id', 'sort_order', 'is_leader', 'is_main'])
              .where('account_id', 'in', accountIds)
              .where('unit_id', 'in', covered)
              .execute();
      return {
        units: units.map(({ id, parentId, name, sortOrder, deptId }) => ({ id, parentId, name, sortOrder, deptId })),
        accounts: linked.map(linkedAccountOf),
        candidates: candidates.map(candidateOf),
        memberships: memberships.map(membershipOf),
      };
    });
}

/** The whole binding's populations, so the guard's percentages mean the same as in a full sync. */
async function bindingBaseline(db: Kysely<Database>, bindingId: string, targetUnitId: string): Promise<PlanBaseline> {
  const row = await sql<{ accounts: number; units: number; memberships: number }>`
    select
      (select count(*) from external_identities where binding_id = ${bindingId} and kind = 'dingtalk_user') as accounts,
      (select count(*) from external_identities where binding_id = ${bindingId} and kind = 'dingtalk_dept' and external_id <> '1') as units,
      (select count(*) from memberships m
        join external_identities ea on ea.binding_id = ${bindingId} and ea.kind = 'dingtalk_user' and ea.local_id = m.account_id
        where m.unit_id = ${targetUnitId}
          or m.unit_id in (select local_id from external_identities where binding_id = ${bindingId} and kind = 'dingtalk_dept')) as memberships`.execute(db);
  const counts = row.rows[0];
  return { accounts: Number(counts?.accounts ?? 0), units: Number(counts?.units ?? 0), memberships: Number(counts?.memberships ?? 0) };
}

