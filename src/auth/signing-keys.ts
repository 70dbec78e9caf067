/**
 * The OIDC provider's signing keys, kept in the database (private JWK sealed with the secret box) so every replica
 * signs with the same key, and rotatable: {@link SigningKeys.rotate} makes a new key the signing one and retires the
 * old, which stays published in the JWKS for {@link RETIRED_KEY_GRACE_MS} so tokens it signed still verify.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { SecretBox } from '../config/index.ts';
import type { Database } from '../db/index.ts';

/** A day: longer than any ID token lives (1 hour), so relying parties holding one can still verify it. */
export const RETIRED_KEY_GRACE_MS = 24 * 60 * 60 * 1000;

export interface SigningKey {
  kid: string;
  /** The private JWK, as `oidc-provider`'s `jwks.keys` takes it. */
  jwk: Record<string, unknown>;
  createdAt: Date;
  retiredAt: Date | null;
}

export interface SigningKeys {
  /** The signing key first, then retired keys still in their grace period; creates the first key when none exists. */
  current(): Promise<SigningKey[]>;
  /** Makes a new signing key; the previous one is retired. */
  rotate(): Promise<SigningKey>;
}

/**
 * @example
 * const keys = createSigningKeys({ db, secretBox, now: Date.now });
 * const jwks = { keys: (await keys.current()).map((key) => key.jwk) };
 */
export function createSigningKeys(deps: { db: Kysely<Database>; secretBox: SecretBox; now(): number }): SigningKeys {
  const { db, secretBox } = deps;
  const context = (kid: string) => `oidc_key:${kid}`;

  async function create(): Promise<SigningKey> {
    // RS256: the one algorithm every OpenID Connect relying party must support (OIDC Core §15.1).
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = randomUUID();
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
    const createdAt = new Date(deps.now());
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('oidc_keys').set({ retired_at: createdAt }).where('retired_at', 'is', null).execute();
      await trx
        .insertInto('oidc_keys')
        .values({ kid, alg: 'RS256', private_jwk_enc: secretBox.seal(JSON.stringify(jwk), context(kid)), created_at: createdAt })
        .execute();
    });
    return { kid, jwk, createdAt, retiredAt: null };
  }

  async function load(): Promise<SigningKey[]> {
    const rows = await db.selectFrom('oidc_keys').selectAll().orderBy('created_at', 'desc').orderBy('kid').execute();
    const cutoff = deps.now() - RETIRED_KEY_GRACE_MS;
    return rows
      .filter((row) => row.retired_at === null || row.retired_at.getTime() > cutoff)
      .sort((a, b) => Number(a.retired_at !== null) - Number(b.retired_at !== null))
      .map((row) => ({
        kid: row.kid,
        jwk: JSON.parse(secretBox.open(row.private_jwk_enc, context(row.kid))) as Record<string, unknown>,
        createdAt: row.created_at,
        retiredAt: row.retired_at,
      }));
  }

  return {
    async current() {
      const keys = await load();
      if (keys[0]?.retiredAt === null) return keys;
      // Two replicas starting at once may both create one; the newer wins and the other is published as retired.
      await create();
      return load();
    },
    async rotate() {
      return create();
    },
  };
}
