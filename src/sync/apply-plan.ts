/**
 * The apply step: writes a plan's operations to the directory and a result per operation to `sync_ops`.
 *
 * Batches of `batchSize` operations, one transaction each, with the batch's results written in that same
 * transaction (a crash never leaves writes without their results). A batch first runs optimistically, each run of
 * a bulk kind (unit and account creates, membership adds) as one multi-row statement; when anything in it fails,
 * the batch is rolled back and its halves are tried the same way, down to small slices redone one operation at a
 * time, each under a savepoint, so one bad object fails alone and only the operations depending on it are skipped
 * (STYLE.md §8). The semantics match `applyPlanInMemory`.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { AppError, isAppError } from '../core/index.ts';
import { json, translatePostgresError, type Database, type JsonValue, type SyncOpStatus } from '../db/index.ts';
import type { FieldChangeJson, PlanOp, PlanOpOf, SyncPlan } from './plan-operation.ts';
import { syncOpRow, upsertSyncOps, type SyncOpRow } from './plan-op-record.ts';

export interface ApplyProgress {
  done: number;
  total: number;
  applied: number;
  failed: number;
  skipped: number;
}

export interface ApplyOptions {
  /** The `sync_runs` row the results belong to (it exists already). */
  runId: string;
  /** `disabled_at` of the accounts this apply disables, and `updated_at` of what it changes. */
  now: Date;
  /** Operations per transaction (a failing batch is split into smaller ones); default 4000. */
  batchSize?: number;
  /** Checked between batches: the operations not reached stay as they were recorded (`planned`, or absent). */
  signal?: AbortSignal;
  onProgress?: (progress: ApplyProgress) => void;
}

export interface ApplyResult {
  applied: number;
  failed: number;
  skipped: number;
  total: number;
}

type Outcome = { status: Exclude<SyncOpStatus, 'planned'>; reason: string | null };

/**
 * Large batches: per statement and per transaction costs are paid once per few thousand rows (on PGlite 500 → 4000
 * made apply ~25% faster). A failing batch is halved until the halves are small, so a bad object stays cheap.
 */
const DEFAULT_BATCH_SIZE = 4000;
/** A failing slice this small or smaller is redone one operation at a time, each under a savepoint. */
const ONE_BY_ONE_BELOW = 64;
/** Rows per multi-row insert of accounts (9 parameters a row). */
const ROWS_PER_INSERT = 1000;

/**
 * Applies `plan` to the directory. Returns the counts; the per-operation results are in `sync_ops` under
 * `options.runId`. Throws only for failures that end the whole run (the database gone, a serialization failure,
 * a bug); operations not reached then keep their previous record.
 *
 * @example
 * const result = await applyPlan(db, plan, { runId: run.id, now: new Date(clock.now()) });
 * // → { applied: 1180, failed: 1, skipped: 3, total: 1184 }
 */
export async function applyPlan(db: Kysely<Database>, plan: SyncPlan, options: ApplyOptions): Promise<ApplyResult> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new AppError('sync.invalid_batch_size', `batchSize must be a positive integer, got ${batchSize}.`, { status: 400 });
  }
  const total = plan.ops.length;
  const result: ApplyResult = { applied: 0, failed: 0, skipped: 0, total };
  /** Ids of operations that failed or were skipped, with why: their dependants are skipped. */
  const notApplied = new Map<string, 'failed' | 'skipped'>();
  const context: OpContext = { bindingId: plan.bindingId, now: options.now };

  /** Applies `batch` (plan positions from `start`) in one transaction, or in smaller ones when something in it fails. */
  const applySlice = async (start: number, batch: readonly PlanOp[]): Promise<void> => {
    let outcomes: Outcome[];
    try {
      outcomes = await db.transaction().execute(async (trx) => {
        const optimistic = await applyBatchAtOnce(trx, batch, notApplied, context);
        await upsertSyncOps(trx, options.runId, rowsOf(start, batch, optimistic));
        return optimistic;
      });
    } catch (error) {
      if (!isOpFailure(error)) throw translatePostgresError(error);
      if (batch.length > ONE_BY_ONE_BELOW) {
        // Halves in plan order, each optimistic again: one bad object costs a few rolled-back halves, not a
        // savepoint per operation of a large batch.
        const half = Math.ceil(batch.length / 2);
        await applySlice(start, batch.slice(0, half));
        await applySlice(start + half, batch.slice(half));
        return;
      }
      outcomes = await db.transaction().execute(async (trx) => {
        const oneByOne = await applyBatchOneByOne(trx, batch, notApplied, context);
        await upsertSyncOps(trx, options.runId, rowsOf(start, batch, oneByOne));
        return oneByOne;
      });
    }
    batch.forEach((op, index) => {
      const outcome = outcomes[index] as Outcome;
      result[outcome.status]++;
      if (outcome.status !== 'applied') notApplied.set(op.id, outcome.status);
    });
  };

  for (let start = 0; start < total; start += batchSize) {
    if (options.signal?.aborted === true) break;
    await applySlice(start, plan.ops.slice(start, start + batchSize));
    options.onProgress?.({ done: Math.min(start + batchSize, total), total, ...pick(result) });
  }
  return result;
}

function pick(result: ApplyResult): Pick<ApplyResult, 'applied' | 'failed' | 'skipped'> {
  return { applied: result.applied, failed: result.failed, skipped: result.skipped };
}

function rowsOf(start: number, batch: readonly PlanOp[], outcomes: readonly Outcome[]): SyncOpRow[] {
  return batch.map((op, index) => {
    const outcome = outcomes[index] as Outcome;
    return syncOpRow(start + index, op, outcome.status, outcome.reason);
  });
}

interface OpContext {
  bindingId: string;
  now: Date;
}

/** The dependency that failed or was skipped, if any; its dependants are skipped. */
function blockedBy(op: PlanOp, notApplied: ReadonlyMap<string, 'failed' | 'skipped'>): string | null {
  for (const id of op.dependsOn) {
    const status = notApplied.get(id);
    if (status !== undefined) return `depends on ${id}, which ${status === 'failed' ? 'failed' : 'was skipped'}`;
  }
  return null;
}

/**
 * Kinds the fast path writes as one statement per run of them. Operations of one kind never depend on each other,
 * except unit creates on their parent (one statement satisfies that: foreign keys are checked at its end) and a
 * membership update setting `main` on one clearing it (the one-main index may then refuse the statement, and the
 * halves redo it in plan order). Account updates, links and deletes and unit updates and deletes go one by one:
 * they are few in any sync and each has checks of its own.
 */
const BULK_KINDS: ReadonlySet<PlanOp['kind']> = new Set([
  'unit.create',
  'account.create',
  'account.enable',
  'account.disable',
  'membership.add',
  'membership.update',
  'membership.remove',
]);
const ACCOUNT_KINDS: ReadonlySet<PlanOp['kind']> = new Set(['account.create', 'account.link', 'account.enable', 'account.update']);
const MEMBERSHIP_KINDS: ReadonlySet<PlanOp['kind']> = new Set(['membership.add', 'membership.update', 'membership.remove']);

/**
 * The order the fast path runs a batch in, as indexes into it. A plan lists each person's account operation and
 * then their memberships, person after person, which would make runs of one row; within a stretch of such
 * operations, the account operations go first and the membership operations after, each in plan order. That is the
 * same as the plan order: a membership operation touches only its own account's memberships, which no other
 * person's account operation reads or writes, and its own account operation stays before it.
 */
export function fastOrder(batch: readonly PlanOp[]): number[] {
  const order: number[] = [];
  let index = 0;
  while (index < batch.length) {
    const kind = (batch[index] as PlanOp).kind;
    if (!ACCOUNT_KINDS.has(kind) && !MEMBERSHIP_KINDS.has(kind)) {
      order.push(index++);
      continue;
    }
    const memberships: number[] = [];
    for (; index < batch.length; index++) {
      const next = (batch[index] as PlanOp).kind;
      if (ACCOUNT_KINDS.has(next)) order.push(index);
      else if (MEMBERSHIP_KINDS.has(next)) memberships.push(index);
      else break;
    }
    order.push(...memberships);
  }
  return order;
}

/**
 * The fast path: every operation as if nothing will fail, in {@link fastOrder}; runs of a bulk kind become
 * multi-row statements. Any failure throws and the caller redoes the batch one by one, in plan order.
 */
async function applyBatchAtOnce(
  trx: Transaction<Database>,
  batch: readonly PlanOp[],
  notApplied: ReadonlyMap<string, 'failed' | 'skipped'>,
  context: OpContext,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array<Outcome>(batch.length);
  // Skips inside this batch count too (a skipped op's dependants are skipped).
  const blocked = new Map(notApplied);
  const order = fastOrder(batch);
  let position = 0;
  while (position < order.length) {
    const kind = (batch[order[position] as number] as PlanOp).kind;
    const run: PlanOp[] = [];
    do {
      const index = order[position] as number;
      const op = batch[index] as PlanOp;
      if (op.kind !== kind) break;
      position++;
      const dependency = blockedBy(op, blocked);
      if (dependency !== null) {
        blocked.set(op.id, 'skipped');
        outcomes[index] = { status: 'skipped', reason: dependency };
        continue;
      }
      outcomes[index] = { status: 'applied', reason: null };
      run.push(op);
    } while (BULK_KINDS.has(kind) && position < order.length);
    if (run.length === 0) continue;
    if (kind === 'account.create') await createAccounts(trx, run as PlanOpOf<'account.create'>[], context);
    else if (kind === 'membership.add') await addMemberships(trx, run as PlanOpOf<'membership.add'>[]);
    else if (kind === 'unit.create') await createUnits(trx, run as PlanOpOf<'unit.create'>[], context);
    else if (kind === 'account.enable' || kind === 'account.disable') await setAccountsStatus(trx, run as PlanOpOf<'account.enable' | 'account.disable'>[], context);
    else if (kind === 'membership.update') await updateMemberships(trx, run as PlanOpOf<'membership.update'>[]);
    else if (kind === 'membership.remove') await removeMemberships(trx, run as PlanOpOf<'membership.remove'>[]);
    else for (const op of run) await applyOp(trx, op, context);
  }
  return outcomes;
}

/** The careful path: each operation under its own savepoint, a failure rolled back to it and recorded. */
async function applyBatchOneByOne(
  trx: Transaction<Database>,
  batch: readonly PlanOp[],
  notApplied: ReadonlyMap<string, 'failed' | 'skipped'>,
  context: OpContext,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const blocked = new Map(notApplied);
  for (const op of batch) {
    const dependency = blockedBy(op, blocked);
    if (dependency !== null) {
      blocked.set(op.id, 'skipped');
      outcomes.push({ status: 'skipped', reason: dependency });
      continue;
    }
    await sql`savepoint apply_op`.execute(trx);
    try {
      if (op.kind === 'account.create') await createAccounts(trx, [op], context);
      else if (op.kind === 'membership.add') await addMemberships(trx, [op]);
      else await applyOp(trx, op, context);
      await sql`release savepoint apply_op`.execute(trx);
      outcomes.push({ status: 'applied', reason: null });
    } catch (error) {
      if (!isOpFailure(error)) throw translatePostgresError(error);
      await sql`rollback to savepoint apply_op`.execute(trx);
      await sql`release savepoint apply_op`.execute(trx);
      const failure = translatePostgresError(error) as AppError;
      blocked.set(op.id, 'failed');
      outcomes.push({ status: 'failed', reason: `${failure.code}: ${failure.message}` });
    }
  }
  return outcomes;
}

/**
 * Whether an error is one operation's fault (a constraint, a stale plan, a value the database refuses), as opposed
 * to one that ends the run: a lost connection or a serialization failure (retryable), or a bug (not an AppError).
 */
function isOpFailure(error: unknown): boolean {
  const translated = translatePostgresError(error);
  return isAppError(translated) && translated.details.retryable !== true;
}

function stale(message: string): AppError {
  return new AppError('sync.stale_plan', `${message}; the directory changed since the plan was made, sync again.`, { status: 409 });
}

/** The `accounts` column of each account field a mapping may write. */
export const ACCOUNT_COLUMNS = {
  username: 'username',
  displayName: 'display_name',
  email: 'email',
  mobile: 'mobile',
  jobNumber: 'job_number',
  title: 'title',
} as const;
type AccountColumn = (typeof ACCOUNT_COLUMNS)[keyof typeof ACCOUNT_COLUMNS];

function accountColumn(target: string): AccountColumn | undefined {
  return Object.hasOwn(ACCOUNT_COLUMNS, target) ? ACCOUNT_COLUMNS[target as keyof typeof ACCOUNT_COLUMNS] : undefined;
}

const ATTRIBUTE_PREFIX = 'attributes.';

function accountRow(op: PlanOpOf<'account.create'>, now: Date) {
  const columns: Partial<Record<AccountColumn, string>> = {};
  const attributes: Record<string, JsonValue> = {};
  for (const [target, value] of Object.entries(op.values)) {
    const column = accountColumn(target);
    if (column !== undefined) columns[column] = value;
    else if (target.startsWith(ATTRIBUTE_PREFIX)) attributes[target.slice(ATTRIBUTE_PREFIX.length)] = value;
    else throw new AppError('sync.invalid_op', `${op.id}: unknown account field ${target}.`, { status: 400 });
  }
  const { username, display_name: displayName } = columns;
  if (username === undefined || username === '' || displayName === undefined || displayName === '') {
    throw new AppError('sync.invalid_op', `${op.id}: username and displayName are required.`, { status: 400 });
  }
  return {
    id: op.accountId,
    username,
    display_name: displayName,
    email: columns.email ?? null,
    mobile: columns.mobile ?? null,
    job_number: columns.job_number ?? null,
    title: columns.title ?? null,
    attributes: json(attributes),
    created_at: now,
    updated_at: now,
  };
}

/** Accounts and their `dingtalk_user` links, in multi-row inserts (the unique indexes refuse taken usernames and userids). */
async function createAccounts(trx: Transaction<Database>, ops: readonly PlanOpOf<'account.create'>[], context: OpContext): Promise<void> {
  for (let start = 0; start < ops.length; start += ROWS_PER_INSERT) {
    const chunk = ops.slice(start, start + ROWS_PER_INSERT);
    await trx
      .insertInto('accounts')
      .values(chunk.map((op) => accountRow(op, context.now)))
      .execute();
    await trx
      .insertInto('external_identities')
      .values(
        chunk.map((op) => ({
          binding_id: context.bindingId,
          kind: 'dingtalk_user' as const,
          external_id: op.userid,
          unionid: op.unionid,
          local_id: op.accountId,
        })),
      )
      .execute();
  }
}

/** Memberships in multi-row inserts; the keys refuse a missing account or unit, a duplicate, and a second main. */
async function addMemberships(trx: Transaction<Database>, ops: readonly PlanOpOf<'membership.add'>[]): Promise<void> {
  const perInsert = ROWS_PER_INSERT * 2;
  for (let start = 0; start < ops.length; start += perInsert) {
    await trx
      .insertInto('memberships')
      .values(
        ops.slice(start, start + perInsert).map((op) => ({
          account_id: op.accountId,
          unit_id: op.unitId,
          sort_order: op.order,
          is_leader: op.leader,
          is_main: op.main,
        })),
      )
      .execute();
  }
}

/** Enables or disables accounts in one statement per chunk (the fast path); an account gone fails the statement. */
async function setAccountsStatus(
  trx: Transaction<Database>,
  ops: readonly PlanOpOf<'account.enable' | 'account.disable'>[],
  context: OpContext,
): Promise<void> {
  const disable = (ops[0] as PlanOp).kind === 'account.disable';
  for (let start = 0; start < ops.length; start += ROWS_PER_INSERT) {
    const ids = ops.slice(start, start + ROWS_PER_INSERT).map((op) => op.accountId);
    const updated = await trx
      .updateTable('accounts')
      .set(
        disable
          ? { status: 'disabled', disabled_at: context.now, disabled_by: 'sync', updated_at: context.now }
          : { status: 'enabled', disabled_at: null, disabled_by: null, updated_at: context.now },
      )
      .where('id', 'in', ids)
      .executeTakeFirst();
    if (updated.numUpdatedRows !== BigInt(new Set(ids).size)) throw stale('an account no longer exists');
  }
}

/**
 * Membership changes in one `update … from jsonb_to_recordset` per chunk (the fast path); a column an operation does
 * not change is sent as null and kept. A membership gone fails the statement.
 */
async function updateMemberships(trx: Transaction<Database>, ops: readonly PlanOpOf<'membership.update'>[]): Promise<void> {
  for (let start = 0; start < ops.length; start += ROWS_PER_INSERT) {
    const chunk = ops.slice(start, start + ROWS_PER_INSERT);
    const rows = chunk.map((op) => {
      const set = membershipSet(op);
      return { account_id: op.accountId, unit_id: op.unitId, sort_order: set.sort_order ?? null, is_leader: set.is_leader ?? null, is_main: set.is_main ?? null };
    });
    const result = await sql`
      update memberships m set
        sort_order = coalesce(v.sort_order, m.sort_order),
        is_leader = coalesce(v.is_leader, m.is_leader),
        is_main = coalesce(v.is_main, m.is_main)
      from jsonb_to_recordset(${json(rows)}::jsonb) as v(account_id uuid, unit_id uuid, sort_order integer, is_leader boolean, is_main boolean)
      where m.account_id = v.account_id and m.unit_id = v.unit_id`.execute(trx);
    if (result.numAffectedRows !== BigInt(chunk.length)) throw stale('a membership no longer exists');
  }
}

/** Memberships removed in one statement per chunk (the fast path); one already gone fails the statement. */
async function removeMemberships(trx: Transaction<Database>, ops: readonly PlanOpOf<'membership.remove'>[]): Promise<void> {
  for (let start = 0; start < ops.length; start += ROWS_PER_INSERT) {
    const chunk = ops.slice(start, start + ROWS_PER_INSERT);
    const keys = chunk.map((op) => ({ account_id: op.accountId, unit_id: op.unitId }));
    const result = await sql`
      delete from memberships m
      using jsonb_to_recordset(${json(keys)}::jsonb) as v(account_id uuid, unit_id uuid)
      where m.account_id = v.account_id and m.unit_id = v.unit_id`.execute(trx);
    if (result.numAffectedRows !== BigInt(chunk.length)) throw stale('a membership no longer exists');
  }
}

async function applyOp(trx: Transaction<Database>, op: PlanOp, context: OpContext): Promise<void> {
  switch (op.kind) {
    case 'account.create':
      return createAccounts(trx, [op], context);
    case 'membership.add':
      return addMemberships(trx, [op]);
    case 'unit.create':
      return createUnit(trx, op, context);
    case 'unit.update':
      return updateUnit(trx, op, context);
    case 'unit.delete':
      return deleteUnit(trx, op, context);
    case 'account.link':
      return linkAccount(trx, op, context);
    case 'account.update':
      return updateAccount(trx, op, context);
    case 'account.enable':
      return setAccountStatus(trx, op.accountId, { status: 'enabled', disabled_at: null, disabled_by: null, updated_at: context.now });
    case 'account.disable':
      return setAccountStatus(trx, op.accountId, {
        status: 'disabled',
        disabled_at: context.now,
        disabled_by: 'sync',
        updated_at: context.now,
      });
    case 'account.delete':
      return deleteAccount(trx, op);
    case 'membership.update':
      return updateMembership(trx, op);
    case 'membership.remove':
      return removeMembership(trx, op);
  }
}

async function deptLinkOf(trx: Transaction<Database>, bindingId: string, deptId: number): Promise<string | undefined> {
  const link = await trx
    .selectFrom('external_identities')
    .select('local_id')
    .where('binding_id', '=', bindingId)
    .where('kind', '=', 'dingtalk_dept')
    .where('external_id', '=', String(deptId))
    .executeTakeFirst();
  return link?.local_id;
}

/**
 * Units and their `dingtalk_dept` links in multi-row inserts (the fast path). A department linked already breaks
 * the link's primary key; the one-by-one redo then names it ({@link createUnit}).
 */
async function createUnits(trx: Transaction<Database>, ops: readonly PlanOpOf<'unit.create'>[], context: OpContext): Promise<void> {
  for (let start = 0; start < ops.length; start += ROWS_PER_INSERT) {
    const chunk = ops.slice(start, start + ROWS_PER_INSERT);
    await trx
      .insertInto('units')
      .values(
        chunk.map((op) => ({
          id: op.unitId,
          parent_id: op.parentId,
          name: op.name,
          binding_id: context.bindingId,
          sort_order: op.sortOrder,
          created_at: context.now,
          updated_at: context.now,
        })),
      )
      .execute();
    await trx
      .insertInto('external_identities')
      .values(
        chunk.map((op) => ({
          binding_id: context.bindingId,
          kind: 'dingtalk_dept' as const,
          external_id: String(op.deptId),
          unionid: null,
          local_id: op.unitId,
        })),
      )
      .execute();
  }
}

async function createUnit(trx: Transaction<Database>, op: PlanOpOf<'unit.create'>, context: OpContext): Promise<void> {
  const linked = await deptLinkOf(trx, context.bindingId, op.deptId);
  if (linked !== undefined) throw stale(`department ${op.deptId} is linked to unit ${linked} already`);
  await trx
    .insertInto('units')
    .values({
      id: op.unitId,
      parent_id: op.parentId,
      name: op.name,
      binding_id: context.bindingId,
      sort_order: op.sortOrder,
      created_at: context.now,
      updated_at: context.now,
    })
    .execute();
  await trx
    .insertInto('external_identities')
    .values({ binding_id: context.bindingId, kind: 'dingtalk_dept', external_id: String(op.deptId), unionid: null, local_id: op.unitId })
    .execute();
}

async function updateUnit(trx: Transaction<Database>, op: PlanOpOf<'unit.update'>, context: OpContext): Promise<void> {
  const set: { name?: string; parent_id?: string; sort_order?: number; updated_at: Date } = { updated_at: context.now };
  for (const change of op.changes) {
    if (change.field === 'name') set.name = textOf(op, change);
    else if (change.field === 'parentId') set.parent_id = textOf(op, change);
    else if (change.field === 'sortOrder') set.sort_order = numberOf(op, change);
    else throw new AppError('sync.invalid_op', `${op.id}: unknown unit field ${change.field}.`, { status: 400 });
  }
  const updated = await trx.updateTable('units').set(set).where('id', '=', op.unitId).executeTakeFirst();
  if (updated.numUpdatedRows === 0n) throw stale(`unit ${op.unitId} no longer exists`);
  if (set.parent_id !== undefined) {
    // The table forbids only a unit being its own parent; a longer loop is found by walking up from the unit.
    const loop = await sql<{ id: string }>`
      with recursive up(id, depth) as (
        select parent_id, 1 from units where id = ${op.unitId}
        union all
        select u.parent_id, up.depth + 1 from units u join up on u.id = up.id where up.depth < 10000
      )
      select id from up where id = ${op.unitId} limit 1`.execute(trx);
    if (loop.rows.length > 0) throw stale(`moving unit ${op.unitId} under ${set.parent_id} would make a loop`);
  }
}

async function deleteUnit(trx: Transaction<Database>, op: PlanOpOf<'unit.delete'>, context: OpContext): Promise<void> {
  await trx
    .deleteFrom('external_identities')
    .where('binding_id', '=', context.bindingId)
    .where('kind', '=', 'dingtalk_dept')
    .where('local_id', '=', op.unitId)
    .execute();
  // Children and members keep the unit (the foreign keys restrict): the op then fails with db.reference.
  const deleted = await trx.deleteFrom('units').where('id', '=', op.unitId).executeTakeFirst();
  if (deleted.numDeletedRows === 0n) throw stale(`unit ${op.unitId} no longer exists`);
}

async function linkAccount(trx: Transaction<Database>, op: PlanOpOf<'account.link'>, context: OpContext): Promise<void> {
  const account = await trx.selectFrom('accounts').select('id').where('id', '=', op.accountId).executeTakeFirst();
  if (account === undefined) throw stale(`account ${op.accountId} no longer exists`);
  const existing = await trx
    .selectFrom('external_identities')
    .select(['external_id', 'local_id'])
    .where('binding_id', '=', context.bindingId)
    .where('kind', '=', 'dingtalk_user')
    .where((eb) => eb.or([eb('external_id', '=', op.userid), eb('local_id', '=', op.accountId)]))
    .executeTakeFirst();
  if (existing !== undefined) {
    throw stale(`userid ${existing.external_id} is linked to account ${existing.local_id} already`);
  }
  await trx
    .insertInto('external_identities')
    .values({ binding_id: context.bindingId, kind: 'dingtalk_user', external_id: op.userid, unionid: op.unionid, local_id: op.accountId })
    .execute();
}

async function updateAccount(trx: Transaction<Database>, op: PlanOpOf<'account.update'>, context: OpContext): Promise<void> {
  const columns: { username?: string; display_name?: string } & Partial<Record<Exclude<AccountColumn, 'username' | 'display_name'>, string | null>> = {};
  const attributes: Record<string, JsonValue> = {};
  let unionid: { value: string | null } | undefined;
  for (const change of op.changes) {
    const column = accountColumn(change.field);
    if (change.field === 'link.unionid') {
      unionid = { value: typeof change.after === 'string' ? change.after : null };
    } else if (change.field.startsWith(ATTRIBUTE_PREFIX)) {
      attributes[change.field.slice(ATTRIBUTE_PREFIX.length)] = change.after;
    } else if (column === 'username' || column === 'display_name') {
      if (typeof change.after !== 'string' || change.after === '') {
        throw new AppError('sync.invalid_op', `${op.id}: ${change.field} cannot be emptied.`, { status: 400 });
      }
      columns[column] = change.after;
    } else if (column !== undefined) {
      columns[column] = typeof change.after === 'string' ? change.after : null;
    } else {
      throw new AppError('sync.invalid_op', `${op.id}: unknown account field ${change.field}.`, { status: 400 });
    }
  }
  const updated = await trx
    .updateTable('accounts')
    .set((eb) => ({
      ...columns,
      updated_at: context.now,
      // Only the mapped keys change; other keys of the jsonb (set locally) stay.
      ...(Object.keys(attributes).length > 0 ? { attributes: sql<string>`${eb.ref('attributes')} || ${json(attributes)}::jsonb` } : {}),
    }))
    .where('id', '=', op.accountId)
    .executeTakeFirst();
  if (updated.numUpdatedRows === 0n) throw stale(`account ${op.accountId} no longer exists`);
  if (unionid !== undefined) {
    const link = await trx
      .updateTable('external_identities')
      .set({ unionid: unionid.value, updated_at: context.now })
      .where('binding_id', '=', context.bindingId)
      .where('kind', '=', 'dingtalk_user')
      .where('external_id', '=', op.userid)
      .where('local_id', '=', op.accountId)
      .executeTakeFirst();
    if (link.numUpdatedRows === 0n) throw stale(`userid ${op.userid} is no longer linked to account ${op.accountId}`);
  }
}

async function setAccountStatus(
  trx: Transaction<Database>,
  accountId: string,
  set: { status: 'enabled' | 'disabled'; disabled_at: Date | null; disabled_by: 'sync' | null; updated_at: Date },
): Promise<void> {
  const updated = await trx.updateTable('accounts').set(set).where('id', '=', accountId).executeTakeFirst();
  if (updated.numUpdatedRows === 0n) throw stale(`account ${accountId} no longer exists`);
}

async function deleteAccount(trx: Transaction<Database>, op: PlanOpOf<'account.delete'>): Promise<void> {
  // Its links to every binding go with it (memberships cascade); a link to nothing would anchor nobody.
  await trx.deleteFrom('external_identities').where('kind', '=', 'dingtalk_user').where('local_id', '=', op.accountId).execute();
  const deleted = await trx.deleteFrom('accounts').where('id', '=', op.accountId).executeTakeFirst();
  if (deleted.numDeletedRows === 0n) throw stale(`account ${op.accountId} no longer exists`);
}

function membershipSet(op: PlanOpOf<'membership.update'>): { sort_order?: number; is_leader?: boolean; is_main?: boolean } {
  const set: { sort_order?: number; is_leader?: boolean; is_main?: boolean } = {};
  for (const change of op.changes) {
    if (change.field === 'order') set.sort_order = numberOf(op, change);
    else if (change.field === 'leader') set.is_leader = change.after === true;
    else if (change.field === 'main') set.is_main = change.after === true;
    else throw new AppError('sync.invalid_op', `${op.id}: unknown membership field ${change.field}.`, { status: 400 });
  }
  return set;
}

async function updateMembership(trx: Transaction<Database>, op: PlanOpOf<'membership.update'>): Promise<void> {
  const set = membershipSet(op);
  if (Object.keys(set).length === 0) return;
  const updated = await trx
    .updateTable('memberships')
    .set(set)
    .where('account_id', '=', op.accountId)
    .where('unit_id', '=', op.unitId)
    .executeTakeFirst();
  if (updated.numUpdatedRows === 0n) throw stale(`no membership of account ${op.accountId} in unit ${op.unitId}`);
}

async function removeMembership(trx: Transaction<Database>, op: PlanOpOf<'membership.remove'>): Promise<void> {
  const deleted = await trx
    .deleteFrom('memberships')
    .where('account_id', '=', op.accountId)
    .where('unit_id', '=', op.unitId)
    .executeTakeFirst();
  if (deleted.numDeletedRows === 0n) throw stale(`no membership of account ${op.accountId} in unit ${op.unitId}`);
}

function textOf(op: PlanOp, change: FieldChangeJson): string {
  if (typeof change.after !== 'string') {
    throw new AppError('sync.invalid_op', `${op.id}: ${change.field} must be text, got ${JSON.stringify(change.after)}.`, { status: 400 });
  }
  return change.after;
}

function numberOf(op: PlanOp, change: FieldChangeJson): number {
  if (typeof change.after !== 'number') {
    throw new AppError('sync.invalid_op', `${op.id}: ${change.field} must be a number, got ${JSON.stringify(change.after)}.`, { status: 400 });
  }
  return change.after;
}
