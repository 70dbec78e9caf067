/**
 * Indexes for the console's overview (issue 8): each binding's health is read on every overview load (polled while
 * a run is going), and without these it scanned the whole event history. Measured on PGlite with 300,000 inbox rows
 * and 50,000 runs over three bindings: about 500 ms per read before, 3 ms after.
 * - `event_inbox (binding_id, received_at)`: the last event received, however long the history.
 * - Partial indexes on the rare rows the overview counts: failed events, held runs, and full or scheduled syncs
 *   (few among many event runs), so they cost nothing on the hot insert paths of pending events and event runs.
 */
/* eslint-disable @typescript-eslint/no-explicit-any --
   Migrations take Kysely<any> on purpose: typing them with today's Database would break them when it changes. */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('event_inbox_binding_id_received_at_idx').on('event_inbox').columns(['binding_id', 'received_at']).execute();
  await db.schema
    .createIndex('event_inbox_failed_idx')
    .on('event_inbox')
    .column('binding_id')
    .where(sql.ref('status'), '=', 'failed')
    .execute();
  await db.schema
    .createIndex('sync_runs_held_idx')
    .on('sync_runs')
    .column('binding_id')
    .where(sql.ref('status'), '=', 'held')
    .execute();
  await db.schema
    .createIndex('sync_runs_full_created_at_idx')
    .on('sync_runs')
    .columns(['binding_id', 'created_at'])
    .where(sql<boolean>`kind in ('full', 'reconcile')`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of ['sync_runs_full_created_at_idx', 'sync_runs_held_idx', 'event_inbox_failed_idx', 'event_inbox_binding_id_received_at_idx']) {
    await db.schema.dropIndex(name).execute();
  }
}
