/**
 * Browser sessions, stored server-side (`auth_sessions`) so replicas share them; the cookie carries a random token
 * and only its SHA-256 is stored. Every use checks the account: a disabled account loses its sessions at once.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';

/** Eight hours: a working day, after which DingTalk is asked again (a QR scan or a silent workbench sign-in). */
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;

export interface SessionInfo {
  id: string;
  accountId: string;
  bindingId: string | null;
  method: 'qr' | 'workbench';
  expiresAt: Date;
}

export interface Sessions {
  /** Starts a session; answers the cookie value (shown once, never stored). */
  create(input: { accountId: string; bindingId: string | null; method: 'qr' | 'workbench' }): Promise<{ token: string; expiresAt: Date }>;
  /** The live session of a cookie value whose account is enabled, or undefined (a disabled account's sessions are removed). */
  resolve(token: string | undefined): Promise<SessionInfo | undefined>;
  /** Ends the session of a cookie value, if any. */
  destroy(token: string | undefined): Promise<void>;
  /** Ends every session of an account. */
  destroyForAccount(accountId: string): Promise<number>;
}

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * @example
 * const sessions = createSessions({ db, now: Date.now });
 * const { token } = await sessions.create({ accountId, bindingId, method: 'qr' });
 * (await sessions.resolve(token))?.accountId === accountId;
 */
export function createSessions(deps: { db: Kysely<Database>; now(): number; ttlMs?: number }): Sessions {
  const { db } = deps;
  const ttlMs = deps.ttlMs ?? SESSION_TTL_MS;
  return {
    async create(input) {
      const token = randomBytes(32).toString('base64url');
      const expiresAt = new Date(deps.now() + ttlMs);
      await db
        .insertInto('auth_sessions')
        .values({
          id: randomUUID(),
          token_hash: hashToken(token),
          account_id: input.accountId,
          binding_id: input.bindingId,
          method: input.method,
          expires_at: expiresAt,
        })
        .execute();
      return { token, expiresAt };
    },
    async resolve(token) {
      if (token === undefined || token === '') return undefined;
      const row = await db
        .selectFrom('auth_sessions as s')
        .innerJoin('accounts as a', 'a.id', 's.account_id')
        .select(['s.id', 's.account_id', 's.binding_id', 's.method', 's.expires_at', 'a.status'])
        .where('s.token_hash', '=', hashToken(token))
        .executeTakeFirst();
      if (!row) return undefined;
      if (row.status !== 'enabled') {
        await this.destroyForAccount(row.account_id);
        return undefined;
      }
      if (row.expires_at.getTime() <= deps.now()) {
        await db.deleteFrom('auth_sessions').where('id', '=', row.id).execute();
        return undefined;
      }
      return { id: row.id, accountId: row.account_id, bindingId: row.binding_id, method: row.method, expiresAt: row.expires_at };
    },
    async destroy(token) {
      if (token === undefined || token === '') return;
      await db.deleteFrom('auth_sessions').where('token_hash', '=', hashToken(token)).execute();
    },
    async destroyForAccount(accountId) {
      const result = await db.deleteFrom('auth_sessions').where('account_id', '=', accountId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
