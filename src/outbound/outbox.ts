/**
 * The outbox: the seam between local directory management (which records changes) and delivery to DingTalk.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/index.ts';
import type { Jobs } from '../jobs/index.ts';
import { enqueuePush, entriesFor, writeEntries, type OutboxChange } from './outbox-record.ts';
import type { OutboundScopeSource } from './outbound-scope.ts';

export interface Outbox {
  /**
   * Call inside the transaction that makes the local change, BEFORE deleting rows (removals read the DingTalk
   * links to remember what to delete). Writes outbox rows for every binding whose outbound scope covers the object
   * and enqueues delivery in the same transaction; does nothing when none does.
   *
   * @example
   * await db.transaction().execute(async (trx) => {
   *   await trx.insertInto('units').values(unit).execute();
   *   await outbox.record(trx, [{ kind: 'unit.upsert', unitId: unit.id }]);
   * });
   */
  record(trx: Transaction<Database>, changes: OutboxChange[]): Promise<void>;
}

export interface OutboxDeps {
  db: Kysely<Database>;
  jobs: Jobs;
  bindings: OutboundScopeSource;
}

/**
 * @example
 * const outbox = createOutbox({ db, jobs, bindings });
 */
export function createOutbox(deps: OutboxDeps): Outbox {
  return {
    async record(trx, changes) {
      if (changes.length === 0) return;
      const bindings = await deps.bindings.outboundBindings(trx);
      if (bindings.length === 0) return;
      const entries = await entriesFor(trx, bindings, changes);
      if (entries.length === 0) return;
      await writeEntries(trx, entries);
      for (const bindingId of new Set(entries.map((entry) => entry.bindingId))) await enqueuePush(deps.jobs, trx, bindingId);
    },
  };
}
