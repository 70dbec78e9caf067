/**
 * The claims of an account, read from the directory, by scope (OIDC Core §5.4 for the standard ones):
 * `openid` → `sub` (the account id, stable); `profile` → name, preferred_username, updated_at; `email` → email;
 * `phone` → phone_number; `departments` → `departments` (`[{id, name, main}]`); `dingtalk` → `dingtalk_userid`,
 * `dingtalk_unionid`, `dingtalk_corp_id` (the account's first DingTalk link).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';

export const OIDC_SCOPES = ['openid', 'offline_access', 'profile', 'email', 'phone', 'departments', 'dingtalk'] as const;

/** Scope → claims, as `oidc-provider`'s `claims` option takes it. */
export const CLAIMS_BY_SCOPE = {
  openid: ['sub'],
  profile: ['name', 'preferred_username', 'updated_at'],
  email: ['email'],
  phone: ['phone_number'],
  departments: ['departments'],
  dingtalk: ['dingtalk_userid', 'dingtalk_unionid', 'dingtalk_corp_id'],
} as const;

/**
 * Every claim of an enabled account (the provider filters them by the granted scopes), or undefined when the account
 * is unknown or disabled, which the provider treats as "no such account": no token, no refresh, a new sign-in.
 *
 * @example
 * const claims = await accountClaims(db, accountId); // { sub, name, email, departments: [...], ... }
 */
export async function accountClaims(db: Kysely<Database>, accountId: string): Promise<Record<string, unknown> | undefined> {
  // Not a uuid: never an account id (and PostgreSQL would refuse the comparison).
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(accountId)) return undefined;
  const account = await db.selectFrom('accounts').selectAll().where('id', '=', accountId).executeTakeFirst();
  if (account?.status !== 'enabled') return undefined;
  const units = await db
    .selectFrom('memberships as m')
    .innerJoin('units as u', 'u.id', 'm.unit_id')
    .select(['u.id', 'u.name', 'm.is_main'])
    .where('m.account_id', '=', accountId)
    .orderBy('m.is_main', 'desc')
    .orderBy('m.sort_order')
    .execute();
  const link = await db
    .selectFrom('external_identities as e')
    .innerJoin('bindings as b', 'b.id', 'e.binding_id')
    .select(['e.external_id', 'e.unionid', 'b.corp_id'])
    .where('e.kind', '=', 'dingtalk_user')
    .where('e.local_id', '=', accountId)
    .orderBy('e.created_at')
    .executeTakeFirst();
  return {
    sub: account.id,
    name: account.display_name,
    preferred_username: account.username,
    updated_at: Math.floor(account.updated_at.getTime() / 1000),
    ...(account.email === null ? {} : { email: account.email }),
    ...(account.mobile === null ? {} : { phone_number: account.mobile }),
    departments: units.map((unit) => ({ id: unit.id, name: unit.name, main: unit.is_main })),
    ...(link === undefined
      ? {}
      : { dingtalk_userid: link.external_id, dingtalk_unionid: link.unionid, dingtalk_corp_id: link.corp_id }),
  };
}
