/**
 * Sign-in with DingTalk and the OpenID Connect provider (issue 6):
 * - `auth_sessions`: browser sessions, server-side so replicas share them; only the SHA-256 of the cookie value is
 *   stored. Removing an account removes its sessions.
 * - `auth_login_states`: one row per DingTalk sign-in in flight (`state` in the URL, the hash of a browser-bound
 *   nonce cookie, where to return), single use, short-lived.
 * - `auth_guests`: people outside a bound organization who signed in where the binding allows outsiders, by unionid;
 *   kept apart from `external_identities` so that sync never treats them as leavers.
 * - `oidc_apps`: the applications (OIDC clients); the client secret is sealed with the secret box.
 * - `oidc_models`: what `oidc-provider` stores (sessions, codes, tokens, grants, interactions), one row per model.
 * - `oidc_keys`: the provider's signing keys (private JWK sealed), newest first; retired keys are still published
 *   for a while so tokens they signed stay verifiable.
 */
/* eslint-disable @typescript-eslint/no-explicit-any --
   Migrations take Kysely<any> on purpose: typing them with today's Database would break them when it changes. */
import { sql, type Kysely } from 'kysely';

const now = sql`now()`;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('auth_sessions')
    .addColumn('id', 'uuid', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('account_id', 'uuid', (c) => c.notNull())
    .addColumn('binding_id', 'uuid')
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('auth_sessions_pkey', ['id'])
    .addUniqueConstraint('auth_sessions_token_hash_key', ['token_hash'])
    .addForeignKeyConstraint('auth_sessions_account_id_fkey', ['account_id'], 'accounts', ['id'], (fk) => fk.onDelete('cascade'))
    .addCheckConstraint('auth_sessions_method_check', sql`method in ('qr', 'workbench')`)
    .execute();
  await db.schema.createIndex('auth_sessions_account_id_idx').on('auth_sessions').column('account_id').execute();

  await db.schema
    .createTable('auth_login_states')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('nonce_hash', 'text', (c) => c.notNull())
    .addColumn('binding_id', 'uuid', (c) => c.notNull())
    .addColumn('return_to', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('auth_login_states_pkey', ['state'])
    .addForeignKeyConstraint('auth_login_states_binding_id_fkey', ['binding_id'], 'bindings', ['id'], (fk) => fk.onDelete('cascade'))
    .execute();

  await db.schema
    .createTable('auth_guests')
    .addColumn('binding_id', 'uuid', (c) => c.notNull())
    .addColumn('unionid', 'text', (c) => c.notNull())
    .addColumn('account_id', 'uuid', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('auth_guests_pkey', ['binding_id', 'unionid'])
    .addForeignKeyConstraint('auth_guests_binding_id_fkey', ['binding_id'], 'bindings', ['id'], (fk) => fk.onDelete('cascade'))
    .addForeignKeyConstraint('auth_guests_account_id_fkey', ['account_id'], 'accounts', ['id'], (fk) => fk.onDelete('cascade'))
    .execute();

  await db.schema
    .createTable('oidc_apps')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('public', 'boolean', (c) => c.notNull())
    .addColumn('client_secret_enc', 'text')
    .addColumn('redirect_uris', 'jsonb', (c) => c.notNull())
    .addColumn('post_logout_redirect_uris', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('initiate_login_uri', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('oidc_apps_pkey', ['id'])
    .addCheckConstraint('oidc_apps_secret_check', sql`public = (client_secret_enc is null)`)
    .execute();

  await db.schema
    .createTable('oidc_models')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('grant_id', 'text')
    .addColumn('uid', 'text')
    .addColumn('user_code', 'text')
    .addColumn('expires_at', 'timestamptz')
    .addColumn('consumed_at', 'timestamptz')
    .addPrimaryKeyConstraint('oidc_models_pkey', ['kind', 'id'])
    .execute();
  await db.schema.createIndex('oidc_models_grant_id_idx').on('oidc_models').column('grant_id').execute();
  await db.schema.createIndex('oidc_models_uid_idx').on('oidc_models').column('uid').execute();
  await db.schema.createIndex('oidc_models_expires_at_idx').on('oidc_models').column('expires_at').execute();

  await db.schema
    .createTable('oidc_keys')
    .addColumn('kid', 'text', (c) => c.notNull())
    .addColumn('alg', 'text', (c) => c.notNull())
    .addColumn('private_jwk_enc', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('retired_at', 'timestamptz')
    .addPrimaryKeyConstraint('oidc_keys_pkey', ['kid'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['oidc_keys', 'oidc_models', 'oidc_apps', 'auth_guests', 'auth_login_states', 'auth_sessions']) {
    await db.schema.dropTable(table).execute();
  }
}
