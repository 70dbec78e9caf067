/**
 * The storage `oidc-provider` asks for (its Adapter interface), over the `oidc_models` table, so every replica on one
 * PostgreSQL sees the same sessions, codes, tokens, grants and interactions. `Client` is not stored here: clients
 * are the applications of `oidc_apps`, read through {@link OidcAdapterDeps.findClient}.
 */
import type { Kysely } from 'kysely';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { json, type Database, type JsonObject } from '../db/index.ts';

export interface OidcAdapterDeps {
  db: Kysely<Database>;
  /** The client metadata of an application, or undefined. */
  findClient(id: string): Promise<AdapterPayload | undefined>;
  now(): number;
}

/**
 * The adapter class the provider's `adapter` option takes (one instance per model name).
 *
 * @example
 * new Provider(issuer, { adapter: createOidcAdapter({ db, findClient, now: Date.now }) });
 */
export function createOidcAdapter(deps: OidcAdapterDeps): new (name: string) => Adapter {
  const { db } = deps;
  const live = (row: { payload: JsonObject; expires_at: Date | null; consumed_at: Date | null } | undefined) => {
    if (!row) return undefined;
    if (row.expires_at !== null && row.expires_at.getTime() <= deps.now()) return undefined;
    const payload = { ...row.payload } as AdapterPayload;
    if (row.consumed_at !== null) payload.consumed = Math.floor(row.consumed_at.getTime() / 1000);
    return payload;
  };

  return class DatabaseAdapter implements Adapter {
    readonly kind: string;
    constructor(name: string) {
      this.kind = name;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const row = {
        payload: json(payload),
        grant_id: payload.grantId ?? null,
        uid: payload.uid ?? null,
        user_code: payload.userCode ?? null,
        expires_at: expiresIn ? new Date(deps.now() + expiresIn * 1000) : null,
      };
      await db
        .insertInto('oidc_models')
        .values({ kind: this.kind, id, ...row })
        .onConflict((oc) => oc.columns(['kind', 'id']).doUpdateSet(row))
        .execute();
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.kind === 'Client') return deps.findClient(id);
      return live(await this.select().where('id', '=', id).executeTakeFirst());
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return live(await this.select().where('uid', '=', uid).executeTakeFirst());
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return live(await this.select().where('user_code', '=', userCode).executeTakeFirst());
    }

    async consume(id: string): Promise<void> {
      await db
        .updateTable('oidc_models')
        .set({ consumed_at: new Date(deps.now()) })
        .where('kind', '=', this.kind)
        .where('id', '=', id)
        .execute();
    }

    async destroy(id: string): Promise<void> {
      await db.deleteFrom('oidc_models').where('kind', '=', this.kind).where('id', '=', id).execute();
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      // Every token of the grant, whatever its kind: a replayed code revokes what it already issued (RFC 6749 §4.1.2).
      await db.deleteFrom('oidc_models').where('grant_id', '=', grantId).execute();
    }

    private select() {
      return db.selectFrom('oidc_models').select(['payload', 'expires_at', 'consumed_at']).where('kind', '=', this.kind);
    }
  };
}
