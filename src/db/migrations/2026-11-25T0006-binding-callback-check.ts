/**
 * The binding wizard's live indicator (issue 8): `bindings.callback_checked_at` is when this server last answered
 * DingTalk's `check_url` for the binding (§7.4), i.e. when DingTalk last accepted the Request URL, token and AES key
 * pasted into its console. Null until the first one arrives.
 */
/* eslint-disable @typescript-eslint/no-explicit-any --
   Migrations take Kysely<any> on purpose: typing them with today's Database would break them when it changes. */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('bindings').addColumn('callback_checked_at', 'timestamptz').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('bindings').dropColumn('callback_checked_at').execute();
}
