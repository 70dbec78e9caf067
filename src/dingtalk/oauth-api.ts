/**
 * The DingTalk login calls of §10.1: the authorize URL on the login host, the code → user token exchange, and
 * "who is this" with the user's token. (The workbench code exchange, §10.3, is `users.getUserInfoByCode`.)
 */
import type { BaseUrls, CallOptions, Transport } from './dingtalk-transport.ts';
import { contactMeSchema, userAccessTokenSchema, type ContactMe, type UserAccessToken } from './schemas.ts';

export interface AuthorizeUrlInput {
  /** Must match a redirect URL configured for the app (§10.1 step 1). */
  redirectUri: string;
  /** Returned unchanged on the callback; carries the CSRF check. */
  state: string;
  /** `openid corpid` makes the user pick an organization and puts `corpId` in the token response. Default `openid`. */
  scope?: 'openid' | 'openid corpid';
  /** Default `consent` (the doc marks it required). */
  prompt?: string;
  /** `management`: list only organizations where the user is an admin (with the `corpid` scope). */
  orgType?: 'management';
  /** Force one organization the user belongs to. */
  corpId?: string;
  /** Show the exclusive (enterprise account) login page of this organization (§11). */
  exclusiveCorpId?: string;
}

/** §10.1 step 3: exchange a fresh login code, or renew with the 30-day refresh token. */
export type UserTokenGrant = { code: string } | { refreshToken: string };

export interface OauthApi {
  /**
   * The browser URL of DingTalk's login page (§10.1 step 1), on the configured login host.
   * @example
   * reply.redirect(client.oauth.authorizeUrl({ redirectUri: 'https://sso.example.com/cb', state }));
   */
  authorizeUrl(input: AuthorizeUrlInput): string;
  /**
   * `POST v1.0/oauth2/userAccessToken` (§10.1 step 3). Codes are single-use, so only throttles are retried.
   * @example
   * const { accessToken, refreshToken } = await client.oauth.userAccessToken({ code: query.authCode });
   */
  userAccessToken(grant: UserTokenGrant, options?: CallOptions): Promise<UserAccessToken>;
  /**
   * `GET v1.0/contact/users/me` with the *user's* token (§10.1 step 4); no userid, map `unionId` next.
   * @example
   * const { unionId, nick } = await client.oauth.me(accessToken);
   */
  me(userAccessToken: string, options?: CallOptions): Promise<ContactMe>;
}

/**
 * @example
 * const oauth = createOauthApi(transport.call, baseUrls, credentials);
 * const { accessToken } = await oauth.userAccessToken({ code });
 * const me = await oauth.me(accessToken);
 */
export function createOauthApi(
  call: Transport['call'],
  baseUrls: BaseUrls,
  credentials: { appKey: string; appSecret: string },
): OauthApi {
  return {
    authorizeUrl(input) {
      const params: [string, string | undefined][] = [
        ['redirect_uri', input.redirectUri],
        ['response_type', 'code'],
        ['client_id', credentials.appKey],
        ['scope', input.scope ?? 'openid'],
        ['state', input.state],
        ['prompt', input.prompt ?? 'consent'],
        ['org_type', input.orgType],
        ['corpId', input.corpId],
        ['exclusiveLogin', input.exclusiveCorpId === undefined ? undefined : 'true'],
        ['exclusiveCorpId', input.exclusiveCorpId],
      ];
      // encodeURIComponent, not URLSearchParams: the space in `openid corpid` must travel as %20 (§10.1), not `+`.
      const query = params
        .filter((entry): entry is [string, string] => entry[1] !== undefined)
        .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
        .join('&');
      return `${baseUrls.login}/oauth2/auth?${query}`;
    },
    userAccessToken: (grant, options = {}) =>
      call({
        family: 'api',
        api: 'v1.0/oauth2/userAccessToken',
        body: {
          clientId: credentials.appKey,
          clientSecret: credentials.appSecret,
          ...('code' in grant
            ? { code: grant.code, grantType: 'authorization_code' }
            : { refreshToken: grant.refreshToken, grantType: 'refresh_token' }),
        },
        auth: 'none',
        schema: userAccessTokenSchema,
        idempotent: false,
        signal: options.signal,
      }),
    me: (userAccessToken, options = {}) =>
      call({
        family: 'api',
        api: 'v1.0/contact/users/me',
        method: 'GET',
        auth: { userToken: userAccessToken },
        schema: contactMeSchema,
        idempotent: true,
        signal: options.signal,
      }),
  };
}
