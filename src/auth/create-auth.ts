/**
 * The sign-in area as the composition root builds it: applications, sessions, DingTalk sign-in, signing keys and
 * the OIDC provider, and what the HTTP server mounts of them (admin routes and the browser-side plugin).
 */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Bindings } from '../bindings/index.ts';
import type { SecretBox, SecretKey } from '../config/index.ts';
import type { Clock } from '../core/index.ts';
import type { Database } from '../db/index.ts';
import { createAdminTokens, type AnyRoute } from '../http/index.ts';
import { appRoutes } from './apps.routes.ts';
import { createApps, type Apps } from './apps-service.ts';
import { authRoutes, SESSION_COOKIE } from './auth-routes.ts';
import { consoleSessionRoutes } from './console-session.routes.ts';
import { createDingTalkSignIn, type DingTalkSignIn } from './dingtalk-sign-in.ts';
import { createOidc, type Oidc } from './oidc-provider.ts';
import { createSessions, type Sessions } from './sessions.ts';
import { createSigningKeys, type SigningKeys } from './signing-keys.ts';

export interface AuthDeps {
  db: Kysely<Database>;
  secretBox: SecretBox;
  secretKey: SecretKey;
  bindings: Pick<Bindings, 'show' | 'list' | 'clientOf'>;
  /** `PUBLIC_URL`: the issuer is `{publicUrl}/oidc`, DingTalk's redirect URL `{publicUrl}/login/dingtalk/callback`. */
  publicUrl: string;
  clock: Clock;
}

export interface Auth {
  apps: Apps;
  sessions: Sessions;
  signIn: DingTalkSignIn;
  signingKeys: SigningKeys;
  oidc: Oidc;
  /**
   * `/api/v1/apps`, and `/api/v1/console/…` (the console's DingTalk sign-in, minting admin tokens for console
   * administrators, issue 8), for `createHttpServer({ adminRoutes })`.
   */
  adminRoutes(): AnyRoute[];
  /** `/login…`, `/logout`, `/sso/workbench/…`, `/oidc/…`, for `createHttpServer({ plugins })`. */
  plugin(): (app: FastifyInstance) => Promise<void>;
}

/**
 * @example
 * const auth = createAuth({ db, secretBox, secretKey: config.secretKey, bindings, publicUrl: config.publicUrl, clock });
 * await createHttpServer({ ..., adminRoutes: auth.adminRoutes(), plugins: [auth.plugin()] });
 */
export function createAuth(deps: AuthDeps): Auth {
  const publicUrl = deps.publicUrl.replace(/\/+$/, '');
  const now = () => deps.clock.now();
  const apps = createApps({ db: deps.db, secretBox: deps.secretBox, publicUrl });
  const sessions = createSessions({ db: deps.db, now });
  const signIn = createDingTalkSignIn({ db: deps.db, bindings: deps.bindings, now });
  const signingKeys = createSigningKeys({ db: deps.db, secretBox: deps.secretBox, now });
  const oidc = createOidc({
    db: deps.db,
    apps,
    signingKeys,
    secretKey: deps.secretKey,
    publicUrl,
    now,
    sessionCookieName: SESSION_COOKIE,
    browserAccount: async (cookie) => (await sessions.resolve(cookie))?.accountId,
  });
  return {
    apps,
    sessions,
    signIn,
    signingKeys,
    oidc,
    adminRoutes: () => [
      ...appRoutes(apps),
      // The same table the server verifies bearer tokens against; the store keeps no state worth sharing.
      ...consoleSessionRoutes({ db: deps.db, adminTokens: createAdminTokens({ db: deps.db, clock: deps.clock }), sessions, signIn, publicUrl, now }),
    ],
    plugin: () =>
      authRoutes({
        signIn,
        sessions,
        apps,
        oidc,
        publicUrl,
        accountName: async (accountId) =>
          (await deps.db.selectFrom('accounts').select('display_name').where('id', '=', accountId).executeTakeFirst())?.display_name,
      }),
  };
}
