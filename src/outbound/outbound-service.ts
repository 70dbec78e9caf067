/**
 * The outbound area assembled: the outbox (`record`), delivery worker, delivery log, retry and "execute addition".
 */
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import { AppError, systemClock, type Clock } from '../core/index.ts';
import type { Database } from '../db/index.ts';
import type { DingTalkClient } from '../dingtalk/index.ts';
import { JOB_QUEUES, type Jobs } from '../jobs/index.ts';
import { createDelivery, type Delivery, type MobileConflictPolicy } from './outbound-delivery.ts';
import {
  outboundLogQuerySchema,
  type ExecuteAdditionResult,
  type OutboundLogEntry,
  type OutboundService,
} from './outbound-contract.ts';
import { createOutbox, type Outbox } from './outbox.ts';
import { enqueuePush, writeEntries, type OutboundPushJob, type OutboxEntry } from './outbox-record.ts';
import type { OutboundBinding, OutboundScopeSource } from './outbound-scope.ts';

export interface OutboundDeps {
  db: Kysely<Database>;
  jobs: Jobs;
  bindings: OutboundScopeSource;
  /** The binding's shared DingTalk client (the bindings service's `clientOf`). */
  clientOf(bindingId: string): Promise<DingTalkClient>;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  clock?: Clock;
  mobileConflict?: MobileConflictPolicy;
  maxAttempts?: number;
  concurrency?: number;
}

export interface Outbound {
  outbox: Outbox;
  service: OutboundService;
  delivery: Delivery;
  /** Registers the `outbound-push` worker and enqueues a drain for every binding with pending rows. */
  start(options?: { releaseLeases?: boolean }): Promise<void>;
}

/**
 * @example
 * const outbound = createOutbound({ db, jobs, bindings, clientOf: (id) => bindings.clientOf(id), logger });
 * await outbound.start({ releaseLeases: database.kind === 'pglite' });
 */
export function createOutbound(deps: OutboundDeps): Outbound {
  const { db, jobs } = deps;
  const clock = deps.clock ?? systemClock;
  const outbox = createOutbox({ db, jobs, bindings: deps.bindings });
  const delivery = createDelivery({ ...deps, clock });

  const outboundBinding = async (bindingId: string): Promise<OutboundBinding> => {
    const binding = (await deps.bindings.outboundBindings()).find((candidate) => candidate.bindingId === bindingId);
    if (binding) return binding;
    const exists = await db.selectFrom('bindings').select('id').where('id', '=', bindingId).executeTakeFirst();
    if (!exists) {
      throw new AppError('binding.not_found', `No binding with id ${bindingId}. List them with \`dingbridge bindings list\`.`, { status: 404 });
    }
    throw new AppError(
      'outbound.off',
      `Binding ${bindingId} has outbound provisioning off. Turn it on with \`dingbridge bindings update ${bindingId} --outbound on\`.`,
      { status: 409 },
    );
  };

  const service: OutboundService = {
    async log(bindingId, query = {}) {
      const { status, limit } = outboundLogQuerySchema.parse(query);
      await requireBinding(db, bindingId);
      let select = db
        .selectFrom('outbound_log as l')
        .leftJoin('units as u', (join) => join.onRef('u.id', '=', 'l.object_id').on('l.object_kind', '=', 'unit'))
        .leftJoin('accounts as a', (join) => join.onRef('a.id', '=', 'l.object_id').on('l.object_kind', '=', 'account'))
        .selectAll('l')
        .select((eb) => eb.fn.coalesce('u.name', 'a.display_name').as('object_name'))
        .where('l.binding_id', '=', bindingId);
      if (status) select = select.where('l.status', '=', status);
      const rows = await select.orderBy('l.seq', 'desc').limit(limit).execute();
      const counts = await db
        .selectFrom('outbound_outbox')
        .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
        .where('binding_id', '=', bindingId)
        .groupBy('status')
        .execute();
      const entries: OutboundLogEntry[] = rows.map((row) => ({
        seq: Number(row.seq),
        at: new Date(row.at).toISOString(),
        objectKind: row.object_kind,
        objectId: row.object_id,
        objectName: row.object_name,
        operation: row.operation,
        status: row.status,
        externalId: row.external_id,
        request: row.request,
        errcode: row.errcode,
        error: row.error,
        attempt: row.attempt,
      }));
      const count = (which: string) => Number(counts.find((row) => row.status === which)?.count ?? 0);
      return { entries, outbox: { pending: count('pending'), failed: count('failed') } };
    },
    async retry(bindingId) {
      await requireBinding(db, bindingId);
      return db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable('outbound_outbox')
          .set({ status: 'pending', attempts: 0, next_attempt_at: null, claimed_by: null, claimed_until: null })
          .where('binding_id', '=', bindingId)
          .where('status', '=', 'failed')
          .executeTakeFirst();
        const requeued = Number(result.numUpdatedRows);
        if (requeued > 0) await enqueuePush(jobs, trx, bindingId);
        return { requeued };
      });
    },
    async executeAddition(bindingId, input = {}) {
      const dryRun = input.dryRun ?? false;
      const binding = await outboundBinding(bindingId);
      const plan = await additionPlan(db, binding);
      if (!dryRun && (plan.units.length > 0 || plan.accounts.length > 0)) {
        const entries: OutboxEntry[] = [
          ...plan.units.map((unit) => ({ bindingId, objectKind: 'unit' as const, objectId: unit.id, action: 'upsert' as const, externalId: null, depth: unit.depth })),
          ...plan.accounts.map((account) => ({ bindingId, objectKind: 'account' as const, objectId: account.id, action: 'upsert' as const, externalId: null, depth: 0 })),
        ];
        await db.transaction().execute(async (trx) => {
          await writeEntries(trx, entries);
          await enqueuePush(jobs, trx, bindingId);
        });
      }
      return { dryRun, ...plan };
    },
  };

  return {
    outbox,
    service,
    delivery,
    async start({ releaseLeases = false } = {}) {
      if (releaseLeases) {
        // Only this process uses the database (PGlite): any lease is a dead process's.
        await db.updateTable('outbound_outbox').set({ claimed_by: null, claimed_until: null }).where('claimed_by', 'is not', null).execute();
      }
      await jobs.work<OutboundPushJob>(
        JOB_QUEUES.outbound.name,
        async ([job]) => {
          if (job) await delivery.drain(job.data.bindingId);
        },
        { localConcurrency: 2, pollingIntervalSeconds: 0.5 },
      );
      const pending = await db.selectFrom('outbound_outbox').select('binding_id').distinct().where('status', '=', 'pending').execute();
      for (const { binding_id: bindingId } of pending) await enqueuePush(jobs, undefined, bindingId);
    },
  };
}

async function requireBinding(db: Kysely<Database>, bindingId: string): Promise<void> {
  const exists = await db.selectFrom('bindings').select('id').where('id', '=', bindingId).executeTakeFirst();
  if (!exists) {
    throw new AppError('binding.not_found', `No binding with id ${bindingId}. List them with \`dingbridge bindings list\`.`, { status: 404 });
  }
}

/** Units (parents first) and enabled accounts in the binding's outbound scope that are not linked yet. */
async function additionPlan(db: Kysely<Database>, binding: OutboundBinding): Promise<Omit<ExecuteAdditionResult, 'dryRun'>> {
  const { rows: units } = await sql<{ id: string; parent_id: string | null; name: string; depth: number; linked: boolean }>`
    with recursive below(id, depth) as (
      select ${binding.targetUnitId}::uuid, 0
      union all
      select u.id, below.depth + 1 from units u join below on u.parent_id = below.id where below.depth < 1000
    )
    select u.id, u.parent_id, u.name, below.depth,
      exists (select 1 from external_identities ei
              where ei.binding_id = ${binding.bindingId} and ei.kind = 'dingtalk_dept' and ei.local_id = u.id) as linked
    from below join units u on u.id = below.id
    order by below.depth, u.sort_order, u.name`.execute(db);
  const parentOf = new Map(units.map((unit) => [unit.id, unit.parent_id]));
  const covered = new Map<string, boolean>();
  const isCovered = (unitId: string): boolean => {
    if (binding.units.kind === 'all') return true;
    const known = covered.get(unitId);
    if (known !== undefined) return known;
    let result = binding.units.units.some((entry) => entry.unitId === unitId);
    for (let at: string | null | undefined = unitId; !result && at; at = at === binding.targetUnitId ? null : parentOf.get(at)) {
      result = binding.units.units.some((entry) => entry.subtree && entry.unitId === at);
    }
    covered.set(unitId, result);
    return result;
  };
  const coveredIds = units.filter((unit) => isCovered(unit.id)).map((unit) => unit.id);
  const accounts =
    coveredIds.length === 0
      ? []
      : await db
          .selectFrom('accounts as a')
          .select(['a.id', 'a.username', 'a.display_name'])
          .where('a.status', '=', 'enabled')
          .where((eb) =>
            eb.exists(eb.selectFrom('memberships as m').select('m.unit_id').whereRef('m.account_id', '=', 'a.id').where('m.unit_id', 'in', coveredIds)),
          )
          .where((eb) =>
            eb.not(
              eb.exists(
                eb
                  .selectFrom('external_identities as ei')
                  .select('ei.local_id')
                  .whereRef('ei.local_id', '=', 'a.id')
                  .where('ei.binding_id', '=', binding.bindingId)
                  .where('ei.kind', '=', 'dingtalk_user'),
              ),
            ),
          )
          .orderBy('a.username')
          .execute();
  return {
    units: units
      .filter((unit) => unit.depth > 0 && !unit.linked && isCovered(unit.id))
      .map((unit) => ({ id: unit.id, name: unit.name, depth: unit.depth })),
    accounts: accounts.map((account) => ({ id: account.id, username: account.username, displayName: account.display_name })),
  };
}
