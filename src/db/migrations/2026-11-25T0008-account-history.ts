/**
 * An account's history (issue 8, the console's account page): the sync operations that touched it
 * (`sync_ops.local_id`) and its outbound deliveries (`outbound_log.object_id`), newest first. Without these indexes
 * each account page would read every operation of every run ever kept.
 */
/* eslint-disable @typescript-eslint/no-explicit-any --
   Migrations take Kysely<any> on purpose: typing them with today's Database would break them when it changes. */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('sync_ops_local_id_idx').on('sync_ops').column('local_id').execute();
  await db.schema.createIndex('outbound_log_object_id_seq_idx').on('outbound_log').columns(['object_id', 'seq']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('outbound_log_object_id_seq_idx').execute();
  await db.schema.dropIndex('sync_ops_local_id_idx').execute();
}
