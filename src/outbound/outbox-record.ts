/**
 * `outbox.record`: called by the local directory services inside the transaction that changes a unit or an account.
 * It writes one coalesced outbox row per (binding, object) whose outbound scope covers the object (or that already
 * has the object linked, so moving something out of scope is still looked at) and enqueues delivery in the same
 * transaction, so a change and its delivery job exist together or not at all.
 */
import { sql, type Transaction } from 'kysely';
import type { Database, ExternalIdentityKind, OutboundObjectKind } from '../db/index.ts';
import { JOB_QUEUES, type Jobs } from '../jobs/index.ts';
import { unitChain, unitScope, type OutboundBinding } from './outbound-scope.ts';

/** A local change to push. Removals must be recorded before the rows are deleted. */
export type OutboxChange =
  | { kind: 'unit.upsert' | 'unit.remove'; unitId: string }
  | { kind: 'account.upsert' | 'account.remove'; accountId: string };

/** The job `outbound-push` carries: drain this binding's outbox. */
export interface OutboundPushJob {
  bindingId: string;
}

/** One row to upsert into the outbox. */
export interface OutboxEntry {
  bindingId: string;
  objectKind: OutboundObjectKind;
  objectId: string;
  action: 'upsert' | 'remove';
  externalId: string | null;
  depth: number;
}

const linkKind: Record<OutboundObjectKind, ExternalIdentityKind> = { unit: 'dingtalk_dept', account: 'dingtalk_user' };

/**
 * The outbox rows `changes` make for `bindings`: a unit when it is strictly below a binding's target unit and in
 * its chosen units, an account when one of its units is; either also when it is already linked to the binding.
 *
 * @example
 * const entries = await entriesFor(trx, bindings, [{ kind: 'unit.upsert', unitId }]);
 */
export async function entriesFor(
  trx: Transaction<Database>,
  bindings: readonly OutboundBinding[],
  changes: readonly OutboxChange[],
): Promise<OutboxEntry[]> {
  const entries: OutboxEntry[] = [];
  const chains = new Map<string, string[]>();
  const chainOf = async (unitId: string): Promise<string[]> => {
    let chain = chains.get(unitId);
    if (!chain) chains.set(unitId, (chain = await unitChain(trx, unitId)));
    return chain;
  };
  for (const change of changes) {
    const objectKind: OutboundObjectKind = change.kind.startsWith('unit.') ? 'unit' : 'account';
    const objectId = 'unitId' in change ? change.unitId : change.accountId;
    const action = change.kind.endsWith('.remove') ? 'remove' : 'upsert';
    const links = await trx
      .selectFrom('external_identities')
      .select(['binding_id', 'external_id'])
      .where('kind', '=', linkKind[objectKind])
      .where('local_id', '=', objectId)
      .execute();
    const unitIds =
      objectKind === 'unit'
        ? [objectId]
        : (await trx.selectFrom('memberships').select('unit_id').where('account_id', '=', objectId).execute()).map(
            (row) => row.unit_id,
          );
    for (const binding of bindings) {
      const link = links.find((row) => row.binding_id === binding.bindingId);
      let covered = false;
      let depth = 0;
      for (const unitId of unitIds) {
        const scope = unitScope(binding, await chainOf(unitId));
        // The target unit itself is department 1: never pushed as a unit, but its members are.
        if (scope.covered && scope.depth !== null && (objectKind === 'account' || scope.depth > 0)) {
          covered = true;
          depth = objectKind === 'unit' ? scope.depth : 0;
        }
      }
      if (!covered && !link) continue;
      entries.push({ bindingId: binding.bindingId, objectKind, objectId, action, externalId: link?.external_id ?? null, depth });
    }
  }
  return entries;
}

/**
 * Upserts outbox rows: a row already waiting for the object takes the new action, a new version and a fresh
 * attempt count (the delivery reads current state, so one row stands for any number of changes).
 *
 * @example
 * await writeEntries(trx, entries);
 */
export async function writeEntries(trx: Transaction<Database>, entries: readonly OutboxEntry[]): Promise<void> {
  for (let start = 0; start < entries.length; start += 500) {
    const slice = entries.slice(start, start + 500);
    await trx
      .insertInto('outbound_outbox')
      .values(
        slice.map((entry) => ({
          id: crypto.randomUUID(),
          binding_id: entry.bindingId,
          object_kind: entry.objectKind,
          object_id: entry.objectId,
          action: entry.action,
          external_id: entry.externalId,
          depth: entry.depth,
        })),
      )
      .onConflict((conflict) =>
        conflict.columns(['binding_id', 'object_kind', 'object_id']).doUpdateSet({
          action: (eb) => eb.ref('excluded.action'),
          external_id: sql<string | null>`coalesce(excluded.external_id, outbound_outbox.external_id)`,
          depth: (eb) => eb.ref('excluded.depth'),
          version: sql<number>`outbound_outbox.version + 1`,
          status: 'pending',
          attempts: 0,
          last_error: null,
          next_attempt_at: null,
          updated_at: sql<Date>`now()`,
        }),
      )
      .execute();
  }
}

/**
 * Enqueues one drain of `bindingId`'s outbox in `trx` (the queue's singleton rule collapses repeats).
 *
 * @example
 * await enqueuePush(jobs, trx, bindingId);
 */
export async function enqueuePush(
  jobs: Jobs,
  trx: Transaction<Database> | undefined,
  bindingId: string,
  startAfterSeconds?: number,
): Promise<void> {
  await jobs.send(JOB_QUEUES.outbound.name, { bindingId } satisfies OutboundPushJob, {
    singletonKey: bindingId,
    ...(trx ? { transaction: trx } : {}),
    ...(startAfterSeconds ? { startAfter: startAfterSeconds } : {}),
  });
}
