/**
 * The event inbox (issue 5): every address-book event DingTalk told us about (HTTP push, Stream, failed-event list),
 * stored before it is acknowledged and kept until processed.
 * - `(binding_id, event_id)` is unique: a replay or a duplicate delivery is dropped by `on conflict do nothing`.
 * - `status` pending → processed, or failed after a few attempts (`attempts`, `last_error`, `next_attempt_at` for
 *   the backoff); `run_id` names the `event` run that applied it.
 * - `claimed_by`/`claimed_until`: a lease on pending rows while one worker processes them, so replicas never work
 *   one binding's events at once and a dead worker's rows come back when the lease ends.
 * - A partial index on pending rows per binding keeps the processor's drain query cheap however large the history.
 */
/* eslint-disable @typescript-eslint/no-explicit-any --
   Migrations take Kysely<any> on purpose: typing them with today's Database would break them when it changes. */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('event_inbox')
    .addColumn('id', 'uuid', (c) => c.notNull())
    .addColumn('binding_id', 'uuid', (c) => c.notNull().references('bindings.id').onDelete('cascade'))
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('corp_id', 'text', (c) => c.notNull())
    .addColumn('born_at', 'timestamptz')
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'jsonb')
    .addColumn('next_attempt_at', 'timestamptz')
    .addColumn('run_id', 'uuid')
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_until', 'timestamptz')
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('processed_at', 'timestamptz')
    .addPrimaryKeyConstraint('event_inbox_pkey', ['id'])
    .addUniqueConstraint('event_inbox_binding_id_event_id_key', ['binding_id', 'event_id'])
    .addCheckConstraint('event_inbox_source_check', sql`source in ('http', 'stream', 'failed_list')`)
    .addCheckConstraint('event_inbox_status_check', sql`status in ('pending', 'processed', 'failed')`)
    .execute();
  await db.schema
    .createIndex('event_inbox_pending_idx')
    .on('event_inbox')
    .columns(['binding_id', 'received_at'])
    .where(sql.ref('status'), '=', 'pending')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('event_inbox').execute();
}
