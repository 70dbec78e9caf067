/**
 * Bearer tokens of the admin API. Only a SHA-256 hash of each token is stored (`admin_tokens.token_hash`), so
 * replicas on one PostgreSQL share the tokens and a leaked database does not leak a usable one.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { systemClock, type Clock } from '../core/index.ts';
import type { Database } from '../db/index.ts';
import { ADMIN_TOKEN_FILE } from './server-info.ts';

/** `dbt_` + 32 random bytes in base64url (43 characters). */
const TOKEN_PATTERN = /^dbt_[A-Za-z0-9_-]{43}$/;
/** `last_used_at` is written at most this often per token: a busy CLI must not turn every read into a write. */
const LAST_USED_EVERY_MS = 60_000;

/** A token the store accepted: who is calling the admin API. */
export interface VerifiedAdminToken {
  id: string;
  name: string;
  /** The console administrator a DingTalk sign-in minted the token for; null for a token made by hand. */
  accountId: string | null;
  /** When a minted token stops working; null for a token made by hand. */
  expiresAt: Date | null;
}

export interface AdminTokens {
  /**
   * Makes a new token; the token itself exists only in the answer, the database keeps its hash. With `accountId`
   * (a console sign-in) the token also needs `expiresAt`, and works only while that account is an enabled console
   * administrator.
   */
  create(name: string, owner?: { accountId: string; expiresAt: Date }): Promise<{ id: string; token: string }>;
  /**
   * The token when it is known and not revoked — and, for a minted token, not expired and its account enabled and
   * still a console administrator — else undefined.
   */
  verify(token: string): Promise<VerifiedAdminToken | undefined>;
  /** Revokes a token by id (signing out of the console); true when it was live. */
  revoke(id: string): Promise<boolean>;
  /**
   * Makes sure `DATA_DIR/admin-token` holds a token that verifies: when the file is missing or its token no longer
   * verifies (revoked, or another database), creates a token named `local` and writes it there (mode 0600).
   */
  ensureLocalToken(dataDir: string): Promise<{ path: string; created: boolean; token?: string }>;
}

/**
 * The admin token store over the `admin_tokens` table.
 *
 * @example
 * const tokens = createAdminTokens({ db: database.db });
 * const { path, created } = await tokens.ensureLocalToken(config.dataDir);
 * if (created) logger.info(`Admin token written to ${path}`);
 */
export function createAdminTokens(options: { db: Kysely<Database>; clock?: Clock }): AdminTokens {
  const { db } = options;
  const clock = options.clock ?? systemClock;
  /** When this process last wrote `last_used_at` per token id. */
  const lastWritten = new Map<string, number>();

  const create: AdminTokens['create'] = async (name, owner) => {
    const id = randomUUID();
    const token = `dbt_${randomBytes(32).toString('base64url')}`;
    const now = new Date(clock.now());
    if (owner !== undefined) {
      // Minted tokens pile up one per console sign-in; those past their expiry are of no use to anyone.
      await db.deleteFrom('admin_tokens').where('account_id', 'is not', null).where('expires_at', '<=', now).execute();
    }
    await db
      .insertInto('admin_tokens')
      .values({
        id,
        name,
        token_hash: hashToken(token),
        created_at: now,
        account_id: owner?.accountId ?? null,
        expires_at: owner?.expiresAt ?? null,
      })
      .execute();
    return { id, token };
  };

  const verify: AdminTokens['verify'] = async (token) => {
    if (!TOKEN_PATTERN.test(token)) return undefined;
    // Hash first, then look the hash up: the lookup's timing depends on the hash, never on a prefix of the token.
    const row = await db
      .selectFrom('admin_tokens as t')
      .leftJoin('accounts as a', 'a.id', 't.account_id')
      .select(['t.id', 't.name', 't.account_id', 't.expires_at', 'a.status', 'a.console_role'])
      .where('t.token_hash', '=', hashToken(token))
      .where('t.revoked_at', 'is', null)
      .executeTakeFirst();
    if (!row) return undefined;
    if (row.expires_at !== null && row.expires_at.getTime() <= clock.now()) return undefined;
    // Checked on every use, not at minting only: disabling the account or taking the role away ends its tokens at once.
    if (row.account_id !== null && (row.status !== 'enabled' || row.console_role !== 'admin')) return undefined;
    await touch(row.id);
    return { id: row.id, name: row.name, accountId: row.account_id, expiresAt: row.expires_at };
  };

  const revoke: AdminTokens['revoke'] = async (id) => {
    const result = await db
      .updateTable('admin_tokens')
      .set({ revoked_at: new Date(clock.now()) })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  };

  async function touch(id: string): Promise<void> {
    const now = clock.now();
    const previous = lastWritten.get(id);
    if (previous !== undefined && now - previous < LAST_USED_EVERY_MS) return;
    lastWritten.set(id, now);
    // The condition keeps replicas (each with its own memory) to about one write a minute as well.
    await db
      .updateTable('admin_tokens')
      .set({ last_used_at: new Date(now) })
      .where('id', '=', id)
      .where((eb) =>
        eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', new Date(now - LAST_USED_EVERY_MS))]),
      )
      .execute();
  }

  const ensureLocalToken: AdminTokens['ensureLocalToken'] = async (dataDir) => {
    const path = join(dataDir, ADMIN_TOKEN_FILE);
    const existing = await readFile(path, 'utf8').then(
      (text) => text.trim(),
      () => undefined,
    );
    if (existing !== undefined && (await verify(existing))) return { path, created: false };
    const { token } = await create('local');
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    // Written aside and renamed, so a CLI never reads half a token; chmod because a umask may narrow `mode` only.
    const partial = `${path}.${process.pid}.partial`;
    await writeFile(partial, `${token}\n`, { mode: 0o600 });
    await chmod(partial, 0o600);
    await rename(partial, path);
    return { path, created: true, token };
  };

  return { create, verify, revoke, ensureLocalToken };
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
