/**
 * Who is signing in, from DingTalk's answer to an account of the directory (§10.1 QR/web login, §10.3 workbench 免登):
 *
 *   code → userAccessToken → contact/users/me → unionId → getbyunionid → userid → linked account   (QR, §10.1)
 *   code → v2/user/getuserinfo → userid → linked account                                           (workbench, §10.3)
 *
 * then the binding's policy: a stranger is refused unless outsiders are allowed; a member not yet synced is refused
 * or created (`provisionOnLogin`); a disabled account is refused. Refusals are AppErrors with stable codes, shown to
 * the person as a page.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { loginSettingsSchema, type Bindings, type BindingView, type LoginSettings } from '../bindings/index.ts';
import { AppError } from '../core/index.ts';
import type { Database } from '../db/index.ts';
import { isDingTalkError, type DingTalkClient } from '../dingtalk/index.ts';

/** §10.1: DingTalk's codes live 5 minutes; a sign-in not finished in 10 is abandoned. */
export const LOGIN_STATE_TTL_MS = 10 * 60 * 1000;

export type LoginMethod = 'qr' | 'workbench';

export interface SignedIn {
  accountId: string;
  bindingId: string;
  /** How the account was found: linked by sync, created now, or a guest (outsider). */
  via: 'linked' | 'provisioned' | 'guest';
}

export interface DingTalkSignIn {
  /** Bindings offering `method`, for the `/login` page. */
  bindingsOffering(method: LoginMethod): Promise<BindingView[]>;
  /** Starts a QR/web sign-in: the DingTalk URL to send the browser to, and the nonce to keep in its cookie. */
  start(bindingId: string, input: { redirectUri: string; returnTo: string }): Promise<{ url: string; nonce: string }>;
  /** Finishes a QR/web sign-in: checks state and nonce (single use), exchanges the code, finds the account. */
  finishQr(input: { state: string; nonce: string | undefined; code: string }): Promise<SignedIn & { returnTo: string }>;
  /** A workbench 免登 code of `bindingId` to the account. */
  finishWorkbench(bindingId: string, code: string): Promise<SignedIn>;
  /** The binding and its login settings; `auth.login_not_enabled` (404) when `method` is off for it. */
  bindingFor(bindingId: string, method: LoginMethod): Promise<{ binding: BindingView; login: LoginSettings }>;
}

export interface DingTalkSignInDeps {
  db: Kysely<Database>;
  bindings: Pick<Bindings, 'show' | 'list' | 'clientOf'>;
  now(): number;
}

const hash = (value: string) => createHash('sha256').update(value).digest('hex');

/** The binding's login settings (absent on bindings made before sign-in existed: nothing offered). */
function loginOf(binding: BindingView): LoginSettings {
  return loginSettingsSchema.parse((binding as { login?: unknown }).login ?? {});
}

/**
 * @example
 * const signIn = createDingTalkSignIn({ db, bindings, now: Date.now });
 * const { url, nonce } = await signIn.start(bindingId, { redirectUri: `${publicUrl}/login/dingtalk/callback`, returnTo: '/' });
 */
export function createDingTalkSignIn(deps: DingTalkSignInDeps): DingTalkSignIn {
  const { db } = deps;

  async function bindingFor(bindingId: string, method: LoginMethod) {
    let binding: BindingView;
    try {
      binding = await deps.bindings.show(bindingId);
    } catch {
      throw notEnabled(bindingId, method);
    }
    const login = loginOf(binding);
    if (!login.methods.includes(method)) throw notEnabled(bindingId, method);
    return { binding, login };
  }

  async function accountFor(binding: BindingView, login: LoginSettings, client: DingTalkClient, userid: string | undefined, unionid: string, nick?: string): Promise<SignedIn> {
    if (userid === undefined) {
      // Not a member of the organization (§10.1 step 5: getbyunionid answers 60121).
      if (login.outsiders !== 'allow') {
        throw new AppError(
          'auth.not_member',
          `This DingTalk account is not a member of ${binding.name}. Sign in with the account you use at ${binding.name}, or ask an administrator.`,
          { status: 403, details: { bindingId: binding.id } },
        );
      }
      return ensureEnabled(await guestAccount(binding, unionid, nick));
    }
    const linked = await db
      .selectFrom('external_identities')
      .select('local_id')
      .where('binding_id', '=', binding.id)
      .where('kind', '=', 'dingtalk_user')
      .where('external_id', '=', userid)
      .executeTakeFirst();
    if (linked) return ensureEnabled({ accountId: linked.local_id, bindingId: binding.id, via: 'linked' });
    if (login.provisionOnLogin !== 'create') {
      throw new AppError(
        'auth.not_synced',
        `You are a member of ${binding.name}, but your account has not been synced yet. Try again after the next sync, or ask an administrator to run one.`,
        { status: 403, details: { bindingId: binding.id, userid } },
      );
    }
    return ensureEnabled(await provision(binding, client, userid));
  }

  async function ensureEnabled(signedIn: SignedIn): Promise<SignedIn> {
    const account = await db.selectFrom('accounts').select('status').where('id', '=', signedIn.accountId).executeTakeFirst();
    if (account?.status !== 'enabled') {
      throw new AppError('auth.account_disabled', 'Your account is disabled. Ask an administrator if you think this is a mistake.', {
        status: 403,
        details: { accountId: signedIn.accountId },
      });
    }
    return signedIn;
  }

  /** A member not yet synced, created as sync would: an account linked to the userid, a member of the target unit. */
  async function provision(binding: BindingView, client: DingTalkClient, userid: string): Promise<SignedIn> {
    const person = await client.users.get(userid);
    const accountId = randomUUID();
    const username = await freeUsername([person.userid, `dingtalk-${person.userid}`]);
    if (username === undefined) {
      throw new AppError('auth.username_taken', `An account named ${person.userid} already exists; an administrator must link it (matching rules) or run a sync.`, {
        status: 409,
        details: { userid },
      });
    }
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('accounts')
        .values({
          id: accountId,
          username,
          display_name: person.name,
          email: person.email ?? null,
          mobile: person.mobile === undefined ? null : person.state_code ? `+${person.state_code} ${person.mobile}` : person.mobile,
          job_number: person.job_number ?? null,
          title: person.title ?? null,
        })
        .execute();
      await trx
        .insertInto('external_identities')
        .values({ binding_id: binding.id, kind: 'dingtalk_user', external_id: userid, unionid: person.unionid, local_id: accountId })
        .execute();
      await trx.insertInto('memberships').values({ account_id: accountId, unit_id: binding.targetUnitId, is_main: true }).execute();
    });
    return { accountId, bindingId: binding.id, via: 'provisioned' };
  }

  async function guestAccount(binding: BindingView, unionid: string, nick: string | undefined): Promise<SignedIn> {
    const known = await db
      .selectFrom('auth_guests')
      .select('account_id')
      .where('binding_id', '=', binding.id)
      .where('unionid', '=', unionid)
      .executeTakeFirst();
    if (known) return { accountId: known.account_id, bindingId: binding.id, via: 'guest' };
    const accountId = randomUUID();
    const base = `guest-${hash(unionid).slice(0, 12)}`;
    const username = (await freeUsername([base, `${base}-${randomBytes(2).toString('hex')}`])) ?? `${base}-${randomUUID()}`;
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('accounts').values({ id: accountId, username, display_name: nick ?? username }).execute();
      await trx.insertInto('auth_guests').values({ binding_id: binding.id, unionid, account_id: accountId }).execute();
    });
    return { accountId, bindingId: binding.id, via: 'guest' };
  }

  async function freeUsername(candidates: string[]): Promise<string | undefined> {
    for (const candidate of candidates) {
      const taken = await db
        .selectFrom('accounts')
        .select('id')
        .where((eb) => eb(eb.fn('lower', ['username']), '=', candidate.toLowerCase()))
        .executeTakeFirst();
      if (!taken) return candidate;
    }
    return undefined;
  }

  async function useridOf(client: DingTalkClient, unionid: string): Promise<string | undefined> {
    try {
      return (await client.users.getByUnionId(unionid)).userid;
    } catch (error) {
      if (isDingTalkError(error, 'dingtalk.not_found')) return undefined;
      throw error;
    }
  }

  return {
    bindingFor,
    async bindingsOffering(method) {
      return (await deps.bindings.list()).filter((binding) => loginOf(binding).methods.includes(method));
    },
    async start(bindingId, input) {
      const { binding } = await bindingFor(bindingId, 'qr');
      const client = await deps.bindings.clientOf(binding.id);
      const state = randomBytes(24).toString('base64url');
      const nonce = randomBytes(24).toString('base64url');
      await db.deleteFrom('auth_login_states').where('expires_at', '<', new Date(deps.now())).execute();
      await db
        .insertInto('auth_login_states')
        .values({
          state,
          nonce_hash: hash(nonce),
          binding_id: binding.id,
          return_to: input.returnTo,
          expires_at: new Date(deps.now() + LOGIN_STATE_TTL_MS),
        })
        .execute();
      // `corpId` forces the bound organization on DingTalk's page (§10.1 step 1), so nobody picks another one.
      return { url: client.oauth.authorizeUrl({ redirectUri: input.redirectUri, state, corpId: binding.corpId }), nonce };
    },
    async finishQr(input) {
      // Single use: the row is deleted as it is read, so a replayed callback finds nothing.
      const row = await db.deleteFrom('auth_login_states').where('state', '=', input.state).returningAll().executeTakeFirst();
      if (!row || row.expires_at.getTime() <= deps.now() || input.nonce === undefined || hash(input.nonce) !== row.nonce_hash) {
        throw new AppError(
          'auth.bad_state',
          'This sign-in link is unknown, expired, already used, or was started in another browser. Start again from the sign-in page.',
          { status: 400 },
        );
      }
      const { binding, login } = await bindingFor(row.binding_id, 'qr');
      const client = await deps.bindings.clientOf(binding.id);
      let unionId: string;
      let nick: string | undefined;
      try {
        const token = await client.oauth.userAccessToken({ code: input.code });
        const me = await client.oauth.me(token.accessToken);
        unionId = me.unionId;
        nick = me.nick;
      } catch (error) {
        if (isDingTalkError(error, 'dingtalk.invalid_auth_code')) throw badCode(error);
        throw error;
      }
      const userid = await useridOf(client, unionId);
      return { ...(await accountFor(binding, login, client, userid, unionId, nick)), returnTo: row.return_to };
    },
    async finishWorkbench(bindingId, code) {
      const { binding, login } = await bindingFor(bindingId, 'workbench');
      const client = await deps.bindings.clientOf(binding.id);
      let info;
      try {
        info = await client.users.getUserInfoByCode(code);
      } catch (error) {
        if (isDingTalkError(error, 'dingtalk.invalid_auth_code')) throw badCode(error);
        // 60121: the person left the organization after the code was issued (§10.3).
        if (isDingTalkError(error, 'dingtalk.not_found')) return accountFor(binding, { ...login, outsiders: 'deny' }, client, undefined, '');
        throw error;
      }
      return accountFor(binding, login, client, info.userid, info.unionid ?? '');
    },
  };
}

function notEnabled(bindingId: string, method: LoginMethod): AppError {
  return new AppError(
    'auth.login_not_enabled',
    `Sign-in by ${method === 'qr' ? 'DingTalk QR code' : 'the DingTalk workbench'} is not enabled for this organization (binding ${bindingId}). ` +
      `An administrator enables it with \`dingbridge bindings update ${bindingId} --login ${method}\`.`,
    { status: 404, details: { bindingId, method } },
  );
}

function badCode(cause: unknown): AppError {
  return new AppError('auth.bad_code', 'DingTalk did not accept this sign-in code (it is used, expired or unknown). Start again.', {
    status: 400,
    cause,
  });
}
