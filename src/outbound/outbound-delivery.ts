/**
 * Delivery of a binding's outbox to DingTalk (the `outbound-push` worker). State-based: each row is delivered by
 * reading the object's current local state and its links, so repeated or reordered deliveries converge and a
 * delivery that finds nothing to change writes nothing.
 *
 * Order per drain: unit upserts parents first (by depth), then account upserts, account removals, and unit
 * removals children first. Rows are leased (`claimed_until`) rather than locked while DingTalk answers, so a dead
 * worker's rows come back; a create that may have landed before a crash is found again instead of duplicated
 * (users by their deterministic userid, departments by name under their parent — see `createUser`/`createDept`).
 */
import type { Kysely, Selectable } from 'kysely';
import type { Logger } from 'pino';
import { AppError, isAppError, type Clock } from '../core/index.ts';
import type { Database, ExternalIdentityKind, JsonObject, JsonValue, OutboundObjectKind, OutboundOutboxTable } from '../db/index.ts';
import { json } from '../db/index.ts';
import { isDingTalkError, type DingTalkClient } from '../dingtalk/index.ts';
import type { Jobs } from '../jobs/index.ts';
import { changedFields, dingTalkMobile, fieldsHash, type DepartmentFields, type UserFields } from './outbound-mapping.ts';
import { enqueuePush } from './outbox-record.ts';
import { unitChain, unitScope, type OutboundBinding, type OutboundScopeSource } from './outbound-scope.ts';

type OutboxRow = Selectable<OutboundOutboxTable>;

/** What to do when a pushed account's mobile already belongs to someone in DingTalk (§5.4 60104/60107). */
export type MobileConflictPolicy = 'link' | 'fail';

export interface DeliveryDeps {
  db: Kysely<Database>;
  jobs: Jobs;
  bindings: OutboundScopeSource;
  /** The binding's shared DingTalk client (its rate limiter and retry table). */
  clientOf(bindingId: string): Promise<DingTalkClient>;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  clock: Clock;
  /** Default `link`: adopt the DingTalk user who has the mobile, as an administrator would. */
  mobileConflict?: MobileConflictPolicy;
  /** Attempts before a row stays `failed`. Default 5. */
  maxAttempts?: number;
  /** Seconds a claimed row is leased. Default 300. */
  leaseSeconds?: number;
  /** Deliveries in flight at once within one phase of a drain. Default 8. */
  concurrency?: number;
}

/** One delivery's outcome, as logged. */
interface Outcome {
  operation: 'create' | 'update' | 'delete' | 'link' | 'none';
  status: 'delivered' | 'skipped';
  externalId: string | null;
  request?: JsonValue;
  reason?: string;
}

const linkKind: Record<OutboundObjectKind, ExternalIdentityKind> = { unit: 'dingtalk_dept', account: 'dingtalk_user' };

/** DingTalk errors worth another attempt later; everything else is a verdict on the data and fails at once. */
const RETRYABLE = new Set([
  'dingtalk.rate_limited',
  'dingtalk.unavailable',
  'dingtalk.timeout',
  'dingtalk.ip_blocked',
  'dingtalk.invalid_token',
  'dingtalk.bad_response',
  'outbound.parent_pending',
]);

/**
 * The deterministic DingTalk userid of a local account: a create that landed before a crash is then refused as
 * 60102 "userid exists" on the next attempt and adopted, never duplicated; a re-enabled account gets its old userid.
 *
 * @example
 * dingTalkUserId('5f0c…'); // 'db5f0c…' (34 characters)
 */
export function dingTalkUserId(accountId: string): string {
  return `db${accountId.replaceAll('-', '')}`;
}

export interface Delivery {
  /** Delivers every deliverable row of the binding (in dependency order), batch after batch. */
  drain(bindingId: string): Promise<{ delivered: number; failed: number }>;
}

/**
 * @example
 * const delivery = createDelivery({ db, jobs, bindings, clientOf, logger, clock });
 * await delivery.drain(bindingId);
 */
export function createDelivery(deps: DeliveryDeps): Delivery {
  const { db, clock } = deps;
  const maxAttempts = deps.maxAttempts ?? 5;
  const leaseSeconds = deps.leaseSeconds ?? 300;
  const concurrency = deps.concurrency ?? 8;
  const worker = `outbound-${crypto.randomUUID()}`;

  const linkOf = async (bindingId: string, kind: OutboundObjectKind, localId: string): Promise<string | null> =>
    (
      await db
        .selectFrom('external_identities')
        .select('external_id')
        .where('binding_id', '=', bindingId)
        .where('kind', '=', linkKind[kind])
        .where('local_id', '=', localId)
        .executeTakeFirst()
    )?.external_id ?? null;

  const pushedOf = async (row: OutboxRow): Promise<JsonObject | null> =>
    (
      await db
        .selectFrom('outbound_pushed')
        .select('fields')
        .where('binding_id', '=', row.binding_id)
        .where('object_kind', '=', row.object_kind)
        .where('object_id', '=', row.object_id)
        .executeTakeFirst()
    )?.fields ?? null;

  /** The department a unit sits in: the target is 1, a linked unit its department; covered but unlinked waits. */
  const deptOfUnit = async (binding: OutboundBinding, chain: readonly string[]): Promise<number | null> => {
    for (let index = 0; index < chain.length; index++) {
      const unitId = chain[index]!;
      if (unitId === binding.targetUnitId) return 1;
      const link = await linkOf(binding.bindingId, 'unit', unitId);
      if (link !== null) return Number(link);
      if (unitScope(binding, chain.slice(index)).covered) {
        throw new AppError('outbound.parent_pending', `Unit ${unitId} is not in DingTalk yet; it is delivered first.`, {
          status: 409,
          details: { unitId },
        });
      }
    }
    return null;
  };

  /** The local account (other than `accountId`) DingTalk user `userid` is linked to in the binding, if any. */
  const linkedElsewhere = async (bindingId: string, userid: string, accountId: string) => {
    const row = await db
      .selectFrom('external_identities as e')
      .innerJoin('accounts as a', 'a.id', 'e.local_id')
      .select(['a.id', 'a.display_name'])
      .where('e.binding_id', '=', bindingId)
      .where('e.kind', '=', 'dingtalk_user')
      .where('e.external_id', '=', userid)
      .where('e.local_id', '!=', accountId)
      .executeTakeFirst();
    return row ? { accountId: row.id, displayName: row.display_name } : undefined;
  };

  /** Marks a row done: links, pushed fields, log and the row's removal in one transaction. */
  const finish = async (row: OutboxRow, outcome: Outcome, pushed: { fields: JsonObject } | null, link: { unionid?: string | null } | null) => {
    await db.transaction().execute(async (trx) => {
      const kind = linkKind[row.object_kind];
      if (link && outcome.externalId !== null) {
        await trx
          .insertInto('external_identities')
          .values({
            binding_id: row.binding_id,
            kind,
            external_id: outcome.externalId,
            unionid: link.unionid ?? null,
            local_id: row.object_id,
          })
          .onConflict((conflict) => conflict.columns(['binding_id', 'kind', 'external_id']).doNothing())
          .execute();
      }
      if (pushed && outcome.externalId !== null) {
        const values = {
          binding_id: row.binding_id,
          object_kind: row.object_kind,
          object_id: row.object_id,
          external_id: outcome.externalId,
          fields: json(pushed.fields),
          hash: fieldsHash(pushed.fields),
        };
        await trx
          .insertInto('outbound_pushed')
          .values(values)
          .onConflict((conflict) =>
            conflict
              .columns(['binding_id', 'object_kind', 'object_id'])
              .doUpdateSet({ external_id: values.external_id, fields: values.fields, hash: values.hash, updated_at: new Date(clock.now()) }),
          )
          .execute();
      }
      if (outcome.operation === 'delete' || (row.action === 'remove' && outcome.externalId !== null)) {
        await trx
          .deleteFrom('external_identities')
          .where('binding_id', '=', row.binding_id)
          .where('kind', '=', kind)
          .where('local_id', '=', row.object_id)
          .execute();
        await trx
          .deleteFrom('outbound_pushed')
          .where('binding_id', '=', row.binding_id)
          .where('object_kind', '=', row.object_kind)
          .where('object_id', '=', row.object_id)
          .execute();
      }
      await trx
        .insertInto('outbound_log')
        .values({
          id: crypto.randomUUID(),
          binding_id: row.binding_id,
          object_kind: row.object_kind,
          object_id: row.object_id,
          operation: outcome.operation,
          status: outcome.status,
          external_id: outcome.externalId,
          request: outcome.request === undefined ? null : json(outcome.request),
          errcode: null,
          error: outcome.reason === undefined ? null : json({ reason: outcome.reason }),
          attempt: row.attempts + 1,
        })
        .execute();
      // A change recorded while we delivered bumped the version: the row stays for another pass.
      const deleted = await trx
        .deleteFrom('outbound_outbox')
        .where('id', '=', row.id)
        .where('version', '=', row.version)
        .executeTakeFirst();
      if (deleted.numDeletedRows === 0n) {
        await trx.updateTable('outbound_outbox').set({ claimed_by: null, claimed_until: null }).where('id', '=', row.id).execute();
      }
    });
  };

  const fail = async (row: OutboxRow, error: unknown) => {
    const code = isAppError(error) ? error.code : 'internal';
    const attempts = row.attempts + 1;
    const retry = RETRYABLE.has(code) && attempts < maxAttempts;
    const errcode = isDingTalkError(error) && typeof error.details.errcode === 'number' ? error.details.errcode : null;
    const message = error instanceof Error ? error.message : String(error);
    const backoffSeconds = Math.min(300, 2 ** attempts);
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('outbound_outbox')
        .set({
          status: retry ? 'pending' : 'failed',
          attempts,
          last_error: json({ code, message }),
          next_attempt_at: retry ? new Date(clock.now() + backoffSeconds * 1000) : null,
          claimed_by: null,
          claimed_until: null,
          updated_at: new Date(clock.now()),
        })
        .where('id', '=', row.id)
        .where('version', '=', row.version)
        .execute();
      await trx
        .insertInto('outbound_log')
        .values({
          id: crypto.randomUUID(),
          binding_id: row.binding_id,
          object_kind: row.object_kind,
          object_id: row.object_id,
          operation: row.action === 'remove' ? 'delete' : 'upsert',
          status: retry ? 'retrying' : 'failed',
          external_id: row.external_id,
          request: null,
          errcode,
          error: json({ code, message }),
          attempt: attempts,
        })
        .execute();
      // A newer change (version bumped) keeps its fresh attempt count; only release the lease.
      await trx.updateTable('outbound_outbox').set({ claimed_by: null, claimed_until: null }).where('id', '=', row.id).execute();
    });
    if (!isAppError(error)) deps.logger.error({ err: error, bindingId: row.binding_id }, 'outbound: delivery failed');
  };

  const deliverUnit = async (binding: OutboundBinding, client: DingTalkClient, row: OutboxRow): Promise<void> => {
    const unit = await db.selectFrom('units').selectAll().where('id', '=', row.object_id).executeTakeFirst();
    const link = await linkOf(row.binding_id, 'unit', row.object_id);
    if (row.action === 'remove' || !unit) {
      const externalId = link ?? row.external_id;
      if (externalId === null) return finish(row, { operation: 'none', status: 'skipped', externalId: null, reason: 'never pushed' }, null, null);
      try {
        await client.departments.delete(Number(externalId));
      } catch (error) {
        if (!isDingTalkError(error, 'dingtalk.not_found')) throw refusalOf(error);
      }
      return finish(row, { operation: 'delete', status: 'delivered', externalId }, null, null);
    }
    const chain = await unitChain(db, unit.id);
    const scope = unitScope(binding, chain);
    if (!scope.covered || scope.depth === null || scope.depth === 0) {
      return finish(row, { operation: 'none', status: 'skipped', externalId: link, reason: 'outside the outbound scope' }, null, null);
    }
    const parentId = await deptOfUnit(binding, chain.slice(1));
    if (parentId === null) throw new AppError('outbound.no_parent', `Unit ${unit.id} has no parent in DingTalk.`, { status: 409 });
    const fields: DepartmentFields = { name: unit.name, parent_id: parentId };
    if (link === null) {
      const { deptId, adopted } = await createDept(client, fields, unit.id);
      return finish(
        row,
        { operation: adopted ? 'link' : 'create', status: 'delivered', externalId: String(deptId), request: fields },
        { fields },
        { unionid: null },
      );
    }
    const changed = changedFields(fields, await pushedOf(row));
    if (Object.keys(changed).length === 0) {
      return finish(row, { operation: 'none', status: 'skipped', externalId: link, reason: 'unchanged' }, null, null);
    }
    await client.departments.update({ dept_id: Number(link), ...changed });
    return finish(row, { operation: 'update', status: 'delivered', externalId: link, request: changed as JsonObject }, { fields }, null);
  };

  const deliverAccount = async (binding: OutboundBinding, client: DingTalkClient, row: OutboxRow): Promise<void> => {
    const account = await db.selectFrom('accounts').selectAll().where('id', '=', row.object_id).executeTakeFirst();
    const link = await linkOf(row.binding_id, 'account', row.object_id);
    // DingTalk has no disabled state: a disabled account leaves DingTalk (access ends there too) and comes back
    // under the same userid when enabled again.
    if (row.action === 'remove' || !account || account.status === 'disabled') {
      const externalId = link ?? row.external_id;
      if (externalId === null) return finish(row, { operation: 'none', status: 'skipped', externalId: null, reason: 'not in DingTalk' }, null, null);
      try {
        await client.users.delete(externalId);
      } catch (error) {
        if (!isDingTalkError(error, 'dingtalk.not_found')) throw error;
      }
      return finish(row, { operation: 'delete', status: 'delivered', externalId }, null, null);
    }
    const memberships = await db
      .selectFrom('memberships')
      .select(['unit_id', 'is_main', 'sort_order'])
      .where('account_id', '=', account.id)
      .orderBy('is_main', 'desc')
      .orderBy('created_at')
      .execute();
    const depts: { dept_id: number }[] = [];
    for (const membership of memberships) {
      const chain = await unitChain(db, membership.unit_id);
      if (!unitScope(binding, chain).covered) continue;
      const deptId = await deptOfUnit(binding, chain);
      if (deptId !== null && !depts.some((dept) => dept.dept_id === deptId)) depts.push({ dept_id: deptId });
    }
    if (depts.length === 0) {
      return finish(row, { operation: 'none', status: 'skipped', externalId: link, reason: 'in no unit of the outbound scope' }, null, null);
    }
    const fields: UserFields = {
      name: account.display_name,
      mobile: dingTalkMobile(account.mobile),
      email: account.email,
      job_number: account.job_number,
      title: account.title,
      dept_id_list: depts.map((dept) => dept.dept_id),
    };
    if (link === null) {
      const created = await createUser(client, fields, account.id, deps.mobileConflict ?? 'link', (owner) => linkedElsewhere(row.binding_id, owner, account.id));
      let request: Partial<UserFields> = fields;
      if (created.adopted) {
        // Someone already there (our own earlier create, or the mobile's owner): make them match.
        const { mobile: _mobile, ...update } = fields;
        await client.users.update({ userid: created.userid, ...updateInput(update) });
        request = update;
      }
      return finish(
        row,
        { operation: created.adopted ? 'link' : 'create', status: 'delivered', externalId: created.userid, request: request as JsonObject },
        { fields },
        { unionid: created.unionid },
      );
    }
    const pushed = await pushedOf(row);
    // mobile cannot be updated in DingTalk (§5.5): compare it only to remember it.
    const { mobile: _mobile, ...changed } = changedFields(fields, pushed);
    if (Object.keys(changed).length === 0) {
      return finish(row, { operation: 'none', status: 'skipped', externalId: link, reason: 'unchanged' }, pushed ? null : { fields }, null);
    }
    await client.users.update({ userid: link, ...updateInput(changed) });
    return finish(row, { operation: 'update', status: 'delivered', externalId: link, request: changed as JsonObject }, { fields }, null);
  };

  const deliver = async (binding: OutboundBinding, client: DingTalkClient, row: OutboxRow): Promise<boolean> => {
    try {
      if (row.object_kind === 'unit') await deliverUnit(binding, client, row);
      else await deliverAccount(binding, client, row);
      return true;
    } catch (error) {
      await fail(row, error);
      return false;
    }
  };

  const claim = async (bindingId: string): Promise<OutboxRow[]> => {
    const now = new Date(clock.now());
    const until = new Date(clock.now() + leaseSeconds * 1000);
    return db
      .updateTable('outbound_outbox')
      .set({ claimed_by: worker, claimed_until: until })
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('outbound_outbox')
          .select('id')
          .where('binding_id', '=', bindingId)
          .where('status', '=', 'pending')
          .where((w) => w.or([w('claimed_until', 'is', null), w('claimed_until', '<', now)]))
          .where((w) => w.or([w('next_attempt_at', 'is', null), w('next_attempt_at', '<=', now)]))
          .orderBy('created_at')
          .limit(500)
          .forUpdate()
          .skipLocked(),
      )
      .returningAll()
      .execute();
  };

  return {
    async drain(bindingId) {
      const totals = { delivered: 0, failed: 0 };
      const binding = (await deps.bindings.outboundBindings()).find((candidate) => candidate.bindingId === bindingId);
      if (!binding) return totals; // outbound off: rows wait until it is on again
      const client = await deps.clientOf(bindingId);
      for (;;) {
        const rows = await claim(bindingId);
        if (rows.length === 0) break;
        for (const phase of phases(rows)) {
          await runLimited(phase, concurrency, async (row) => {
            if (await deliver(binding, client, row)) totals.delivered++;
            else totals.failed++;
          });
        }
      }
      const next = await db
        .selectFrom('outbound_outbox')
        .select((eb) => eb.fn.min('next_attempt_at').as('at'))
        .where('binding_id', '=', bindingId)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (next?.at) {
        const seconds = Math.max(1, Math.ceil((new Date(next.at).getTime() - clock.now()) / 1000));
        await enqueuePush(deps.jobs, undefined, bindingId, seconds);
      }
      return totals;
    },
  };
}

/** Rows in dependency order, grouped so that rows of one group never depend on each other. */
export function phases(rows: readonly OutboxRow[]): OutboxRow[][] {
  const unitUpserts = new Map<number, OutboxRow[]>();
  const unitRemoves = new Map<number, OutboxRow[]>();
  const accountUpserts: OutboxRow[] = [];
  const accountRemoves: OutboxRow[] = [];
  for (const row of rows) {
    if (row.object_kind === 'account') (row.action === 'remove' ? accountRemoves : accountUpserts).push(row);
    else {
      const byDepth = row.action === 'remove' ? unitRemoves : unitUpserts;
      byDepth.set(row.depth, [...(byDepth.get(row.depth) ?? []), row]);
    }
  }
  const ascending = [...unitUpserts.keys()].sort((a, b) => a - b).map((depth) => unitUpserts.get(depth)!);
  const descending = [...unitRemoves.keys()].sort((a, b) => b - a).map((depth) => unitRemoves.get(depth)!);
  return [...ascending, accountUpserts, accountRemoves, ...descending].filter((phase) => phase.length > 0);
}

async function runLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** Optional text fields: `""` clears a value in DingTalk (a null would be left out and keep the old one). */
function updateInput(fields: Partial<Omit<UserFields, 'mobile'>>) {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) out[key] = value === null ? '' : value;
  return out as { name?: string; email?: string; job_number?: string; title?: string; dept_id_list?: number[] };
}

/**
 * Creates a department, or finds the one an earlier attempt (or someone else) made: DingTalk refuses a second
 * sibling of the same name (60008), so that refusal means "already there" and the parent's children name it.
 */
async function createDept(client: DingTalkClient, fields: DepartmentFields, unitId: string): Promise<{ deptId: number; adopted: boolean }> {
  try {
    const { dept_id } = await client.departments.create({ ...fields, source_identifier: unitId });
    return { deptId: dept_id, adopted: false };
  } catch (error) {
    if (!isDingTalkError(error) || error.details.errcode !== 60008) throw error;
    const sibling = (await client.departments.listSub(fields.parent_id)).find((dept) => dept.name === fields.name);
    if (!sibling) throw error;
    return { deptId: sibling.dept_id, adopted: true };
  }
}

/**
 * Creates a user under the account's deterministic userid, or adopts who is already there: 60102 (that userid
 * exists: an earlier attempt landed) is ours; 60104/60107 (the mobile is taken) is linked or refused by policy.
 */
async function createUser(
  client: DingTalkClient,
  fields: UserFields,
  accountId: string,
  policy: MobileConflictPolicy,
  linkedTo: (userid: string) => Promise<{ accountId: string; displayName: string } | undefined>,
): Promise<{ userid: string; unionid: string | null; adopted: boolean }> {
  const userid = dingTalkUserId(accountId);
  if (fields.mobile === null) {
    throw new AppError('outbound.mobile_required', `Account ${accountId} has no mobile; DingTalk requires one to create a user (§5.4).`, {
      status: 400,
      details: { accountId },
    });
  }
  try {
    const created = await client.users.create({
      userid,
      name: fields.name,
      mobile: fields.mobile,
      dept_id_list: fields.dept_id_list,
      ...(fields.email ? { email: fields.email } : {}),
      ...(fields.job_number ? { job_number: fields.job_number } : {}),
      ...(fields.title ? { title: fields.title } : {}),
    });
    return { userid: created.userid, unionid: created.unionId ?? null, adopted: false };
  } catch (error) {
    const errcode = isDingTalkError(error) ? error.details.errcode : undefined;
    if (errcode === 60102) {
      const existing = await client.users.get(userid);
      return { userid, unionid: existing.unionid, adopted: true };
    }
    if (errcode === 60104 || errcode === 60107) {
      if (policy === 'fail') {
        throw new AppError('outbound.mobile_taken', `The mobile of account ${accountId} already belongs to a DingTalk user; policy is fail.`, {
          status: 409,
          details: { accountId, errcode },
          cause: error,
        });
      }
      const { userid: owner } = await client.users.getByMobile(fields.mobile);
      // The mobile's owner is someone else's already (a synced person, or another pushed account): adopting them would
      // overwrite that person's profile in DingTalk and leave this account unlinked. Two accounts, one phone: a person
      // must decide which one is right.
      const other = await linkedTo(owner);
      if (other) {
        throw new AppError(
          'outbound.mobile_taken',
          `The mobile of account ${accountId} belongs to DingTalk user ${owner}, who is already linked to account ${other.accountId} (${other.displayName}). ` +
            'Correct the mobile of one of the two accounts, or remove the duplicate account, then retry.',
          { status: 409, details: { accountId, errcode, userid: owner, linkedAccountId: other.accountId }, cause: error },
        );
      }
      const existing = await client.users.get(owner);
      return { userid: owner, unionid: existing.unionid, adopted: true };
    }
    throw error;
  }
}

/** A department delete refused because of members (60005) or children (60006), said plainly. */
function refusalOf(error: unknown): unknown {
  if (!isDingTalkError(error)) return error;
  if (error.details.errcode === 60005) {
    return new AppError('outbound.department_has_members', `DingTalk refused to delete the department: it still has members there (60005). Move or remove them in DingTalk, then retry.`, { status: 409, details: { errcode: 60005 }, cause: error });
  }
  if (error.details.errcode === 60006) {
    return new AppError('outbound.department_has_children', `DingTalk refused to delete the department: it still has sub-departments (60006).`, { status: 409, details: { errcode: 60006 }, cause: error });
  }
  return error;
}

