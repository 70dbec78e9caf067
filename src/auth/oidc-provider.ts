/**
 * The OpenID Connect provider: `oidc-provider` (certified) configured from the directory and the database.
 * Issuer `{PUBLIC_URL}/oidc`; every model in `oidc_models`; clients are the applications; signing keys from
 * {@link SigningKeys}. A replica notices a rotated key within {@link KEY_RECHECK_MS} and rebuilds its provider (all
 * state is in the database, so nothing is lost).
 */
import { createHmac } from 'node:crypto';
import type { Kysely } from 'kysely';
import Provider, { type AdapterPayload, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { SecretKey } from '../config/index.ts';
import type { Database } from '../db/index.ts';
import { accountClaims, CLAIMS_BY_SCOPE, OIDC_SCOPES } from './account-claims.ts';
import type { Apps } from './apps-service.ts';
import { escapeHtml, renderPage } from './auth-pages.ts';
import { createOidcAdapter } from './oidc-adapter.ts';
import type { SigningKeys } from './signing-keys.ts';

export const OIDC_PATH = '/oidc';
/** How often a replica looks for a rotated signing key. */
export const KEY_RECHECK_MS = 30_000;

export interface OidcDeps {
  db: Kysely<Database>;
  apps: Pick<Apps, 'client'>;
  signingKeys: SigningKeys;
  secretKey: SecretKey;
  publicUrl: string;
  now(): number;
  /**
   * The account of the browser's Dingbridge session cookie, if any. On the authorization endpoint the provider's own
   * session counts only while this agrees, so signing out of Dingbridge (or being disabled) signs out of the provider.
   */
  browserAccount(sessionCookie: string | undefined): Promise<string | undefined>;
  /** The name of that cookie. */
  sessionCookieName: string;
}

export interface Oidc {
  readonly issuer: string;
  /** The provider for this request (rebuilt when the signing keys changed). */
  provider(): Promise<Provider>;
}

/**
 * @example
 * const oidc = createOidc({ db, apps, signingKeys, secretKey, publicUrl, now: Date.now });
 * const provider = await oidc.provider();
 */
export function createOidc(deps: OidcDeps): Oidc {
  const issuer = `${deps.publicUrl}${OIDC_PATH}`;
  const secure = deps.publicUrl.startsWith('https:');
  // Cookie signing keys derived from the secret key: every replica computes the same ones, nothing more to store.
  const cookieKey = createHmac('sha256', deps.secretKey.bytes()).update('dingbridge:oidc-cookies:v1').digest('base64url');
  const Adapter = createOidcAdapter({ db: deps.db, now: () => deps.now(), findClient: (id) => clientMetadata(deps.apps, id) });

  let built: { provider: Provider; kids: string; checkedAt: number } | undefined;
  let building: Promise<Provider> | undefined;

  async function build(): Promise<Provider> {
    const keys = await deps.signingKeys.current();
    const kids = keys.map((key) => key.kid).join(',');
    if (built && built.kids === kids) {
      built.checkedAt = deps.now();
      return built.provider;
    }
    const configuration: Configuration = {
      adapter: Adapter,
      clients: [],
      jwks: { keys: keys.map((key) => key.jwk) },
      cookies: {
        keys: [cookieKey],
        long: { signed: true, httpOnly: true, sameSite: 'lax', secure },
        short: { signed: true, httpOnly: true, sameSite: 'lax', secure },
      },
      scopes: [...OIDC_SCOPES],
      claims: Object.fromEntries(Object.entries(CLAIMS_BY_SCOPE).map(([scope, claims]) => [scope, [...claims]])),
      // Claims in the ID token too, not only at userinfo: most applications read the ID token and nothing else.
      conformIdTokenClaims: false,
      findAccount: async (ctx: { oidc?: { route?: string }; cookies?: { get(name: string): string | undefined } }, sub: string) => {
        const route = ctx.oidc?.route;
        if ((route === 'authorization' || route === 'resume') && (await deps.browserAccount(ctx.cookies?.get(deps.sessionCookieName))) !== sub) {
          return undefined;
        }
        const claims = await accountClaims(deps.db, sub);
        return claims === undefined ? undefined : { accountId: sub, claims: () => claims };
      },
      features: {
        devInteractions: { enabled: false },
        revocation: { enabled: true },
        userinfo: { enabled: true },
        rpInitiatedLogout: {
          enabled: true,
          logoutSource: (ctx: KoaContextWithOIDC, form: string) => {
            ctx.type = 'html';
            ctx.body = renderPage({
              title: 'Sign out',
              body: `${form}<p>Sign out of Dingbridge?</p><p><button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Sign out</button></p>`,
            });
          },
        },
      },
      interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `${OIDC_PATH}/interaction/${interaction.uid}` },
      ttl: {
        AccessToken: 3600,
        AuthorizationCode: 60,
        IdToken: 3600,
        Interaction: 600,
        Session: 8 * 3600,
        Grant: 14 * 24 * 3600,
        RefreshToken: 14 * 24 * 3600,
      },
      renderError: (ctx: KoaContextWithOIDC, out: Record<string, string>) => {
        ctx.type = 'html';
        ctx.body = renderPage({
          title: 'Sign-in failed',
          body: `<p data-testid="oidc-error">${escapeHtml(out.error ?? 'error')}: ${escapeHtml(out.error_description ?? '')}</p>`,
        });
      },
    };
    const provider = new Provider(issuer, configuration);
    // Behind a TLS-terminating proxy, Koa must trust X-Forwarded-Proto to know the request was https.
    provider.proxy = true;
    built = { provider, kids, checkedAt: deps.now() };
    return provider;
  }

  return {
    issuer,
    async provider() {
      if (built && deps.now() - built.checkedAt < KEY_RECHECK_MS) return built.provider;
      building ??= build().finally(() => {
        building = undefined;
      });
      return building;
    },
  };
}

async function clientMetadata(apps: Pick<Apps, 'client'>, id: string): Promise<AdapterPayload | undefined> {
  const app = await apps.client(id);
  if (!app) return undefined;
  return {
    client_id: app.id,
    client_name: app.name,
    redirect_uris: app.redirectUris,
    post_logout_redirect_uris: app.postLogoutRedirectUris,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    // Public clients have no secret: PKCE is what protects their code (the provider requires it for them).
    token_endpoint_auth_method: app.public ? 'none' : 'client_secret_basic',
    ...(app.clientSecret === null ? {} : { client_secret: app.clientSecret }),
  };
}
