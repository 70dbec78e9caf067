/**
 * The DingTalk client: one object per app (AppKey), built from its dependencies, holding that app's token cache,
 * per-API rate limiter and call counters. No module state: two clients never share anything.
 */
import { systemClock, type Clock } from '../core/index.ts';
import { createCallbackApi, type CallbackApi } from './callback-api.ts';
import { createCallStats, type CallInfo, type DingTalkCallStats } from './call-stats.ts';
import { createCorpVerifier, type CorpVerdict } from './corp-token.ts';
import { createDepartmentsApi, type DepartmentsApi } from './departments-api.ts';
import { createTransport, type BaseUrls, type CallOptions, type Transport } from './dingtalk-transport.ts';
import { createOauthApi, type OauthApi } from './oauth-api.ts';
import { createRateLimiter, type RateLimitOptions } from './rate-limiter.ts';
import { defaultRetryOptions, type RetryOptions } from './retry-policy.ts';
import { accessTokenSchema, authScopesSchema, gettokenSchema, type AuthScopes } from './schemas.ts';
import type { IssuedToken } from './token-cache.ts';
import { createUsersApi, type UsersApi } from './users-api.ts';

/** The real hosts (§1.1, §10.1). */
export const dingTalkBaseUrls: Readonly<BaseUrls> = Object.freeze({
  oapi: 'https://oapi.dingtalk.com',
  api: 'https://api.dingtalk.com',
  login: 'https://login.dingtalk.com',
});

export interface DingTalkClientOptions {
  /** The app's Client ID / Client Secret (formerly AppKey / AppSecret, §1.1). */
  credentials: { appKey: string; appSecret: string };
  /** One base URL for oapi, api and login paths alike: an emulator (§12). */
  apiBase?: string;
  /** Per-host overrides; win over `apiBase`. Default the real hosts. */
  baseUrls?: Partial<BaseUrls>;
  /** Default the global `fetch`. */
  fetch?: typeof fetch;
  /** Default the system clock. */
  clock?: Clock;
  /** Default 20 calls per API in any 1000 ms (+30 ms margin, counted from each answer) for this app (§6.3). */
  rateLimit?: RateLimitOptions;
  /** Default 5 attempts, full jitter from 200 ms, throttles at least 1 s. */
  retry?: Partial<RetryOptions>;
  /** Per HTTP attempt. Default 10 s. */
  timeoutMs?: number;
  /** Refresh the app token this long before it expires. Default 10 minutes (§1.4). */
  tokenRefreshMarginMs?: number;
  /**
   * `api`: `POST v1.0/oauth2/accessToken` (default, §1.3); `oapi`: `GET gettoken` (§1.2). The first is confirmed to
   * work on both families (§1.4); a gettoken token on api.dingtalk.com is UNCONFIRMED (§13.9).
   */
  tokenSource?: 'api' | 'oapi';
  /** Called after every HTTP attempt; a listener that throws is ignored. */
  onCall?: (info: CallInfo) => void;
}

export interface DingTalkClient {
  departments: DepartmentsApi;
  users: UsersApi;
  auth: {
    /**
   * The app's address-book scope (§3.6): `authed_dept: [1]` means the whole organization.
   * @example
   * const { auth_org_scopes } = await client.auth.scopes(); // authed_dept: [1] = whole org
   */
    scopes(options?: CallOptions): Promise<AuthScopes>;
    /**
     * Whether the organization `corpId` installed this app, through `POST v1.0/oauth2/{corpId}/token` (§1.3).
     * DingTalk answers `invalid.client` both for a foreign corpId and for bad credentials, so check the credentials
     * first (any other call does). Other failures (network, throttles that outlast retries) throw.
     * @example
     * if ((await client.auth.verifyCorp(corpId)) === 'mismatch') throw wrongCorpId(corpId);
     */
    verifyCorp(corpId: string, options?: CallOptions): Promise<CorpVerdict>;
  };
  oauth: OauthApi;
  /** Legacy callback APIs (§7.5 failed-event list). */
  callbacks: CallbackApi;
  /** Counters of every HTTP attempt since creation or the last `resetStats()`. */
  stats(): DingTalkCallStats;
  resetStats(): void;
  /** The resolved base URLs (for logs and the binding wizard). */
  readonly baseUrls: Readonly<BaseUrls>;
}

/**
 * Builds a client for one DingTalk app.
 *
 * @example
 * const client = createDingTalkClient({ credentials: { appKey, appSecret }, apiBase: 'http://127.0.0.1:8081' });
 * for (const dept of await client.departments.listSub(1)) console.log(dept.dept_id, dept.name);
 * console.log(client.stats().byApi); // { 'v1.0/oauth2/accessToken': 1, 'topapi/v2/department/listsub': 1 }
 */
export function createDingTalkClient(options: DingTalkClientOptions): DingTalkClient {
  const clock = options.clock ?? systemClock;
  const baseUrls = resolveBaseUrls(options);
  const stats = createCallStats();
  const { credentials } = options;
  const transport = createTransport({
    fetch: options.fetch ?? globalThis.fetch,
    clock,
    baseUrls,
    limiter: createRateLimiter({ ...options.rateLimit, clock }),
    retry: { ...defaultRetryOptions, ...options.retry },
    stats,
    timeoutMs: options.timeoutMs ?? 10_000,
    tokenRefreshMarginMs: options.tokenRefreshMarginMs ?? 10 * 60_000,
    issueAppToken: (call) => issueAppToken(call, credentials, options.tokenSource ?? 'api'),
    onCall: options.onCall,
  });
  const { call } = transport;

  return {
    departments: createDepartmentsApi(call),
    users: createUsersApi(call),
    auth: {
      scopes: async (callOptions = {}) => {
        const { errcode: _ok, ...scopes } = await call({
          family: 'oapi',
          api: 'auth/scopes',
          method: 'GET',
          auth: 'app',
          schema: authScopesSchema,
          idempotent: true,
          signal: callOptions.signal,
        });
        return scopes;
      },
      verifyCorp: createCorpVerifier(call, credentials),
    },
    oauth: createOauthApi(call, baseUrls, credentials),
    callbacks: createCallbackApi(call),
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    baseUrls,
  };
}

function resolveBaseUrls(options: DingTalkClientOptions): Readonly<BaseUrls> {
  const shared = options.apiBase;
  const pick = (host: keyof BaseUrls): string =>
    (options.baseUrls?.[host] ?? shared ?? dingTalkBaseUrls[host]).replace(/\/+$/, '');
  return Object.freeze({ oapi: pick('oapi'), api: pick('api'), login: pick('login') });
}

/**
 * One token request: §1.3 (`POST v1.0/oauth2/accessToken`, JSON body only, `{accessToken, expireIn}`) or §1.2
 * (`GET gettoken`, parameters in the query string since a form body is refused with 40035).
 * Idempotent: asking again while a token is valid returns the same token (§1.4).
 */
function issueAppToken(
  call: Transport['call'],
  { appKey, appSecret }: { appKey: string; appSecret: string },
  source: 'api' | 'oapi',
): Promise<IssuedToken> {
  const common = { auth: 'none', idempotent: true } as const;
  return source === 'oapi'
    ? call({
        ...common,
        family: 'oapi',
        api: 'gettoken',
        method: 'GET',
        query: { appkey: appKey, appsecret: appSecret },
        schema: gettokenSchema.transform((b) => ({ token: b.access_token, expiresInSeconds: b.expires_in })),
      })
    : call({
        ...common,
        family: 'api',
        api: 'v1.0/oauth2/accessToken',
        body: { appKey, appSecret },
        schema: accessTokenSchema.transform((b) => ({ token: b.accessToken, expiresInSeconds: b.expireIn })),
      });
}
