/**
 * Console administrators (issue 8):
 * - `accounts.console_role`: `admin` for an account that may sign in to the admin console with DingTalk, else null.
 *   A local field: the sync never writes it (it writes only the mapped columns), and a disabled account's role gives
 *   nothing. A text column with a check rather than a boolean, so a second role is a constraint change, not a new
 *   column.
 * - `admin_tokens.account_id`, `admin_tokens.expires_at`: a token the console minted from a DingTalk sign-in belongs
 *   to that account and expires; the store refuses it once expired, once the account is disabled or loses the role.
 *   Tokens made by hand (the local one, `dingbridge` scripts) have neither. Removing the account removes its tokens.
 */
/* eslint-disable @typescript-eslint/no-explicit-any --
   Migrations take Kysely<any> on purpose: typing them with today's Database would break them when it changes. */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('accounts').addColumn('console_role', 'text').execute();
  await db.schema
    .alterTable('accounts')
    .addCheckConstraint('accounts_console_role_check', sql`console_role in ('admin')`)
    .execute();

  await db.schema
    .alterTable('admin_tokens')
    .addColumn('account_id', 'uuid', (c) => c.references('accounts.id').onDelete('cascade'))
    .addColumn('expires_at', 'timestamptz')
    .execute();
  // A token tied to an account always expires: it stands in for a browser session, never for a script.
  await db.schema
    .alterTable('admin_tokens')
    .addCheckConstraint('admin_tokens_account_expires_check', sql`account_id is null or expires_at is not null`)
    .execute();
  await db.schema.createIndex('admin_tokens_account_id_idx').on('admin_tokens').column('account_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('admin_tokens_account_id_idx').execute();
  await db.schema.alterTable('admin_tokens').dropConstraint('admin_tokens_account_expires_check').execute();
  await db.schema.alterTable('admin_tokens').dropColumn('account_id').dropColumn('expires_at').execute();
  await db.schema.alterTable('accounts').dropConstraint('accounts_console_role_check').execute();
  await db.schema.alterTable('accounts').dropColumn('console_role').execute();
}
