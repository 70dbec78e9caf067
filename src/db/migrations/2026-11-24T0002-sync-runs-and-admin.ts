/**
 * What the server and the sync pipeline need beyond the first schema:
 * - `accounts.disabled_by`: who disabled an account (`sync` for a leaver, re-enabled on re-hire; `admin` is left
 *   alone). Existing disabled accounts count as the admin's.
 * - `units.sort_order` and `memberships.sort_order` become bigint: DingTalk orders are 64-bit (`dept_order_list`,
 *   §4.3), and an order above 2^31 would fail the whole batch that carries it.
 * - `sync_runs.step` (the step running now, or the one a run failed in), `sync_runs.guard` (the guard's verdict
 *   and reasons), `sync_runs.decided_at` (when a held run was approved or rejected).
 * - `admin_tokens`: bearer tokens of the admin API, stored as SHA-256 hashes, so replicas on one PostgreSQL share
 *   them and a leaked database does not leak a usable token.
 */
/* eslint-disable @typescript-eslint/no-explicit-any --
   Migrations take Kysely<any> on purpose: typing them with today's Database would break them when it changes. */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('accounts').addColumn('disabled_by', 'text').execute();
  await db.schema
    .alterTable('accounts')
    .addCheckConstraint('accounts_disabled_by_check', sql`disabled_by in ('sync', 'admin')`)
    .execute();
  await sql`update accounts set disabled_by = 'admin' where status = 'disabled'`.execute(db);
  await db.schema
    .alterTable('accounts')
    .addCheckConstraint('accounts_disabled_by_status_check', sql`(status = 'disabled') = (disabled_by is not null)`)
    .execute();

  await db.schema.alterTable('units').alterColumn('sort_order', (c) => c.setDataType('bigint')).execute();
  await db.schema.alterTable('memberships').alterColumn('sort_order', (c) => c.setDataType('bigint')).execute();

  await db.schema
    .alterTable('sync_runs')
    .addColumn('step', 'text')
    .addColumn('guard', 'jsonb')
    .addColumn('decided_at', 'timestamptz')
    .execute();
  await db.schema
    .alterTable('sync_runs')
    .addCheckConstraint('sync_runs_step_check', sql`step in ('crawl', 'load', 'plan', 'guard', 'apply')`)
    .execute();

  await db.schema
    .createTable('admin_tokens')
    .addColumn('id', 'uuid', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addPrimaryKeyConstraint('admin_tokens_pkey', ['id'])
    .addUniqueConstraint('admin_tokens_token_hash_key', ['token_hash'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('admin_tokens').execute();
  await db.schema.alterTable('sync_runs').dropConstraint('sync_runs_step_check').execute();
  await db.schema
    .alterTable('sync_runs')
    .dropColumn('step')
    .dropColumn('guard')
    .dropColumn('decided_at')
    .execute();
  await db.schema.alterTable('memberships').alterColumn('sort_order', (c) => c.setDataType('integer')).execute();
  await db.schema.alterTable('units').alterColumn('sort_order', (c) => c.setDataType('integer')).execute();
  await db.schema.alterTable('accounts').dropConstraint('accounts_disabled_by_status_check').execute();
  await db.schema.alterTable('accounts').dropConstraint('accounts_disabled_by_check').execute();
  await db.schema.alterTable('accounts').dropColumn('disabled_by').execute();
}
