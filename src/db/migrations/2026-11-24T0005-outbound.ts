/**
 * Outbound provisioning (issue 7): local units and accounts pushed to DingTalk.
 * - `outbound_outbox`: one row per (binding, object) with something still to deliver. Several local changes to one
 *   object before delivery are one row (unique key; `version` grows with each change so a delivery that read older
 *   state leaves the row pending). Delivery deletes the row; what happened stays in `outbound_log`. `status`
 *   pending → failed after a few attempts (`attempts`, `last_error`, `next_attempt_at`); `claimed_by` and
 *   `claimed_until` lease rows to one worker, so a dead worker's rows come back. `external_id` remembers the
 *   DingTalk id of a removed object (its link is gone by delivery time); `depth` orders unit rows.
 * - `outbound_pushed`: what was last pushed for each linked object (fields and their hash), so an update sends only
 *   what differs and a repeated delivery writes nothing.
 * - `outbound_log`: every delivery attempt (what, DingTalk's answer, status), newest last by `seq`.
 */
/* eslint-disable @typescript-eslint/no-explicit-any --
   Migrations take Kysely<any> on purpose: typing them with today's Database would break them when it changes. */
import { sql, type Kysely } from 'kysely';

const now = sql`now()`;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('outbound_outbox')
    .addColumn('id', 'uuid', (c) => c.notNull())
    .addColumn('binding_id', 'uuid', (c) => c.notNull().references('bindings.id').onDelete('cascade'))
    .addColumn('object_kind', 'text', (c) => c.notNull())
    .addColumn('object_id', 'uuid', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    .addColumn('depth', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'jsonb')
    .addColumn('next_attempt_at', 'timestamptz')
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_until', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('outbound_outbox_pkey', ['id'])
    .addUniqueConstraint('outbound_outbox_object_key', ['binding_id', 'object_kind', 'object_id'])
    .addCheckConstraint('outbound_outbox_kind_check', sql`object_kind in ('unit', 'account')`)
    .addCheckConstraint('outbound_outbox_action_check', sql`action in ('upsert', 'remove')`)
    .addCheckConstraint('outbound_outbox_status_check', sql`status in ('pending', 'failed')`)
    .execute();
  await db.schema
    .createIndex('outbound_outbox_pending_idx')
    .on('outbound_outbox')
    .columns(['binding_id', 'created_at'])
    .where(sql.ref('status'), '=', 'pending')
    .execute();

  await db.schema
    .createTable('outbound_pushed')
    .addColumn('binding_id', 'uuid', (c) => c.notNull().references('bindings.id').onDelete('cascade'))
    .addColumn('object_kind', 'text', (c) => c.notNull())
    .addColumn('object_id', 'uuid', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('fields', 'jsonb', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('outbound_pushed_pkey', ['binding_id', 'object_kind', 'object_id'])
    .addCheckConstraint('outbound_pushed_kind_check', sql`object_kind in ('unit', 'account')`)
    .execute();

  await db.schema
    .createTable('outbound_log')
    .addColumn('id', 'uuid', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull().generatedAlwaysAsIdentity())
    .addColumn('binding_id', 'uuid', (c) => c.notNull().references('bindings.id').onDelete('cascade'))
    .addColumn('object_kind', 'text', (c) => c.notNull())
    .addColumn('object_id', 'uuid', (c) => c.notNull())
    .addColumn('operation', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    .addColumn('request', 'jsonb')
    .addColumn('errcode', 'integer')
    .addColumn('error', 'jsonb')
    .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('outbound_log_pkey', ['id'])
    .addCheckConstraint('outbound_log_status_check', sql`status in ('delivered', 'skipped', 'retrying', 'failed')`)
    .execute();
  await db.schema.createIndex('outbound_log_binding_seq_idx').on('outbound_log').columns(['binding_id', 'seq']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['outbound_log', 'outbound_pushed', 'outbound_outbox']) await db.schema.dropTable(table).execute();
}
