/**
 * The sign-in area's only face: DingTalk sign-in (QR §10.1, workbench 免登 §10.3), server-side sessions, the OpenID
 * Connect provider (issuer `{PUBLIC_URL}/oidc`) and its applications.
 *
 * @example
 * import { createAuth } from '../auth/index.ts';
 * const auth = createAuth({ db, secretBox, secretKey, bindings, publicUrl, clock });
 * await createHttpServer({ ..., adminRoutes: auth.adminRoutes(), plugins: [auth.plugin()] });
 */
export { createAuth, type Auth, type AuthDeps } from './create-auth.ts';
export { appRoutes } from './apps.routes.ts';
export type { Apps, AppClient } from './apps-service.ts';
export type { Sessions, SessionInfo } from './sessions.ts';
export type { SigningKeys, SigningKey } from './signing-keys.ts';
export type { DingTalkSignIn, SignedIn, LoginMethod } from './dingtalk-sign-in.ts';
export { OIDC_PATH, type Oidc } from './oidc-provider.ts';
export { OIDC_SCOPES, CLAIMS_BY_SCOPE } from './account-claims.ts';
export { SESSION_COOKIE, safeReturnTo } from './auth-routes.ts';
export * from './apps-contract.ts';
export * from './console-session-contract.ts';
