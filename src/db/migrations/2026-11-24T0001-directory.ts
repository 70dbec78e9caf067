/**
 * The directory (units, accounts, memberships), DingTalk bindings with their external-identity links, and sync
 * runs with their per-operation results (DESIGN.md "Identity model").
 *
 * Like every migration: takes `Kysely<any>`, imports no application type, and uses only SQL that PostgreSQL and
 * PGlite both run. Constraints and indexes are named explicitly: the names appear in `db.conflict` errors and in
 * the schema dump.
 */
/* eslint-disable @typescript-eslint/no-explicit-any --
   Migrations take Kysely<any> on purpose: typing them with today's Database would break them when it changes. */
import { sql, type Kysely } from 'kysely';

const now = sql`now()`;
const emptyObject = sql`'{}'::jsonb`;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('units')
    .addColumn('id', 'uuid', (c) => c.notNull())
    .addColumn('parent_id', 'uuid')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('binding_id', 'uuid')
    .addColumn('sort_order', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('units_pkey', ['id'])
    // RESTRICT: removing a unit that still has children is a bug in the caller, never a silent cascade.
    .addForeignKeyConstraint('units_parent_id_fkey', ['parent_id'], 'units', ['id'], (fk) => fk.onDelete('restrict'))
    .addCheckConstraint('units_not_own_parent', sql`parent_id is null or parent_id <> id`)
    .execute();
  await db.schema.createIndex('units_parent_id_idx').on('units').column('parent_id').execute();
  await db.schema.createIndex('units_binding_id_idx').on('units').column('binding_id').execute();

  await db.schema
    .createTable('accounts')
    .addColumn('id', 'uuid', (c) => c.notNull())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('mobile', 'text')
    .addColumn('job_number', 'text')
    .addColumn('title', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('enabled'))
    .addColumn('attributes', 'jsonb', (c) => c.notNull().defaultTo(emptyObject))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('disabled_at', 'timestamptz')
    .addPrimaryKeyConstraint('accounts_pkey', ['id'])
    .addCheckConstraint('accounts_status_check', sql`status in ('enabled', 'disabled')`)
    .addCheckConstraint('accounts_disabled_at_check', sql`(status = 'disabled') = (disabled_at is not null)`)
    .execute();
  // Usernames are unique regardless of case: `Alice` and `alice` are one person to everyone who signs in.
  await db.schema
    .createIndex('accounts_username_key')
    .on('accounts')
    .unique()
    .expression(sql`lower(username)`)
    .execute();
  // Matching rules look accounts up by these; not unique, because a rule matching two accounts must see both.
  await db.schema.createIndex('accounts_email_idx').on('accounts').expression(sql`lower(email)`).execute();
  await db.schema.createIndex('accounts_mobile_idx').on('accounts').column('mobile').execute();
  await db.schema.createIndex('accounts_job_number_idx').on('accounts').column('job_number').execute();

  await db.schema
    .createTable('bindings')
    .addColumn('id', 'uuid', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('corp_id', 'text', (c) => c.notNull())
    .addColumn('app_key', 'text', (c) => c.notNull())
    .addColumn('app_secret_enc', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text')
    .addColumn('api_base', 'jsonb')
    .addColumn('target_unit_id', 'uuid', (c) => c.notNull())
    .addColumn('scope', 'jsonb', (c) => c.notNull())
    .addColumn('thresholds', 'jsonb', (c) => c.notNull())
    .addColumn('leaver_policy', 'jsonb', (c) => c.notNull())
    .addColumn('mapping', 'jsonb', (c) => c.notNull())
    .addColumn('matching', 'jsonb', (c) => c.notNull())
    .addColumn('settings', 'jsonb', (c) => c.notNull().defaultTo(emptyObject))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('bindings_pkey', ['id'])
    .addUniqueConstraint('bindings_corp_id_key', ['corp_id'])
    .addForeignKeyConstraint('bindings_target_unit_id_fkey', ['target_unit_id'], 'units', ['id'], (fk) =>
      fk.onDelete('restrict'),
    )
    .execute();
  await db.schema.createIndex('bindings_target_unit_id_idx').on('bindings').column('target_unit_id').execute();
  // Added after `bindings` exists: units and bindings refer to each other.
  await db.schema
    .alterTable('units')
    .addForeignKeyConstraint('units_binding_id_fkey', ['binding_id'], 'bindings', ['id'], (fk) =>
      fk.onDelete('restrict'),
    )
    .execute();

  await db.schema
    .createTable('memberships')
    .addColumn('account_id', 'uuid', (c) => c.notNull())
    .addColumn('unit_id', 'uuid', (c) => c.notNull())
    .addColumn('sort_order', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_leader', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('is_main', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('memberships_pkey', ['account_id', 'unit_id'])
    // A membership is part of its account, so it goes with it; a unit with members is not deleted implicitly.
    .addForeignKeyConstraint('memberships_account_id_fkey', ['account_id'], 'accounts', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint('memberships_unit_id_fkey', ['unit_id'], 'units', ['id'], (fk) => fk.onDelete('restrict'))
    .execute();
  await db.schema.createIndex('memberships_unit_id_idx').on('memberships').column('unit_id').execute();
  await db.schema
    .createIndex('memberships_one_main_key')
    .on('memberships')
    .unique()
    .column('account_id')
    .where(sql.ref('is_main'), '=', true)
    .execute();

  await db.schema
    .createTable('external_identities')
    .addColumn('binding_id', 'uuid', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('unionid', 'text')
    .addColumn('local_id', 'uuid', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    // The sync anchor, (corpId, userid | dept_id): immutable on the DingTalk side.
    .addPrimaryKeyConstraint('external_identities_pkey', ['binding_id', 'kind', 'external_id'])
    .addCheckConstraint('external_identities_kind_check', sql`kind in ('dingtalk_user', 'dingtalk_dept')`)
    .addForeignKeyConstraint('external_identities_binding_id_fkey', ['binding_id'], 'bindings', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  // One local object is one DingTalk object per binding (the link is not polymorphic across kinds' tables, so
  // no foreign key on local_id: it points at accounts or units depending on kind).
  await db.schema
    .createIndex('external_identities_local_key')
    .on('external_identities')
    .unique()
    .columns(['binding_id', 'kind', 'local_id'])
    .execute();
  await db.schema
    .createIndex('external_identities_local_id_idx')
    .on('external_identities')
    .column('local_id')
    .execute();
  // Login looks people up by unionid.
  await db.schema
    .createIndex('external_identities_unionid_idx')
    .on('external_identities')
    .column('unionid')
    .where('unionid', 'is not', null)
    .execute();

  await db.schema
    .createTable('sync_runs')
    .addColumn('id', 'uuid', (c) => c.notNull())
    .addColumn('binding_id', 'uuid', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('dry_run', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('queued'))
    .addColumn('counts', 'jsonb', (c) => c.notNull().defaultTo(emptyObject))
    .addColumn('api_calls', 'jsonb', (c) => c.notNull().defaultTo(emptyObject))
    .addColumn('plan', 'jsonb')
    .addColumn('error', 'jsonb')
    .addColumn('started_at', 'timestamptz')
    .addColumn('ended_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('sync_runs_pkey', ['id'])
    .addCheckConstraint('sync_runs_kind_check', sql`kind in ('full', 'event', 'reconcile')`)
    .addCheckConstraint(
      'sync_runs_status_check',
      sql`status in ('queued', 'running', 'succeeded', 'partial', 'failed', 'held', 'rejected')`,
    )
    .addForeignKeyConstraint('sync_runs_binding_id_fkey', ['binding_id'], 'bindings', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  // The console lists a binding's runs newest first.
  await db.schema
    .createIndex('sync_runs_binding_id_created_at_idx')
    .on('sync_runs')
    .columns(['binding_id', 'created_at desc'])
    .execute();

  await db.schema
    .createTable('sync_ops')
    .addColumn('run_id', 'uuid', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('op', 'text', (c) => c.notNull())
    .addColumn('target_kind', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    .addColumn('local_id', 'uuid')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('planned'))
    .addColumn('reason', 'text')
    .addColumn('before', 'jsonb')
    .addColumn('after', 'jsonb')
    .addPrimaryKeyConstraint('sync_ops_pkey', ['run_id', 'seq'])
    .addCheckConstraint('sync_ops_status_check', sql`status in ('planned', 'applied', 'failed', 'skipped')`)
    .addForeignKeyConstraint('sync_ops_run_id_fkey', ['run_id'], 'sync_runs', ['id'], (fk) => fk.onDelete('cascade'))
    .execute();
  // The run page filters a run's results by status ("show the failures").
  await db.schema.createIndex('sync_ops_run_id_status_idx').on('sync_ops').columns(['run_id', 'status']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sync_ops').execute();
  await db.schema.dropTable('sync_runs').execute();
  await db.schema.dropTable('external_identities').execute();
  await db.schema.dropTable('memberships').execute();
  await db.schema.alterTable('units').dropConstraint('units_binding_id_fkey').execute();
  await db.schema.dropTable('bindings').execute();
  await db.schema.dropTable('accounts').execute();
  await db.schema.dropTable('units').execute();
}
