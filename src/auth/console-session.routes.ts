/**
 * `/api/v1/console/…`: the admin console's sign-in with DingTalk (issue 8).
 *
 *   console sign-in page ─► /login/dingtalk/{binding}?return_to=/?sign-in=dingtalk ─► DingTalk QR (§10.1)
 *     ─► /login/dingtalk/callback (browser session cookie) ─► /?sign-in=dingtalk ─► POST /api/v1/console/session
 *     ─► a short-lived admin bearer token of that account, which the console uses like the local token
 *
 * The exchange is the one admin-API route authenticated by the session cookie, so it takes requests from the
 * server's own origin only (`Origin`, `Sec-Fetch-Site`) with a JSON content type (which a cross-site form cannot
 * send). The minted token is refused once expired, once its account is disabled or loses the role (admin-tokens.ts).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { AppError } from '../core/index.ts';
import type { Database } from '../db/index.ts';
import { defineRoute, type AdminTokens, type AnyRoute } from '../http/index.ts';
import { cookieHeader, readCookie, SESSION_COOKIE } from './auth-routes.ts';
import {
  CONSOLE_DINGTALK_RETURN,
  CONSOLE_TOKEN_TTL_MS,
  consoleSessionCreatedSchema,
  consoleSessionViewSchema,
  consoleSignInOptionsSchema,
  consoleSignOutSchema,
  type ConsoleSessionView,
} from './console-session-contract.ts';
import type { DingTalkSignIn } from './dingtalk-sign-in.ts';
import type { Sessions } from './sessions.ts';

export interface ConsoleSessionDeps {
  db: Kysely<Database>;
  adminTokens: Pick<AdminTokens, 'create' | 'revoke'>;
  sessions: Pick<Sessions, 'resolve' | 'destroy'>;
  signIn: Pick<DingTalkSignIn, 'bindingsOffering'>;
  /** `PUBLIC_URL`: its origin is the console's (besides the request's own `Host`). */
  publicUrl: string;
  now(): number;
}

/**
 * The console's sign-in routes, for `createHttpServer({ adminRoutes })`.
 *
 * @example
 * adminRoutes: [...auth.adminRoutes(), ...auth.consoleRoutes(adminTokens)]
 */
export function consoleSessionRoutes(deps: ConsoleSessionDeps): AnyRoute[] {
  const tag = 'console';
  const publicOrigin = new URL(deps.publicUrl).origin;
  const secure = deps.publicUrl.startsWith('https:');

  const accountOf = (id: string) =>
    deps.db
      .selectFrom('accounts')
      .select(['id', 'username', 'display_name', 'status', 'console_role'])
      .where('id', '=', id)
      .executeTakeFirst();

  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/console/sign-in-options',
      operationId: 'consoleSignInOptions',
      summary: 'How one may sign in to the console: the bindings offering DingTalk sign-in (names only)',
      description: 'Needs no token: the console asks before anyone is signed in. Lists a binding once `--login qr` is on.',
      tag,
      auth: 'none',
      status: 200,
      response: consoleSignInOptionsSchema,
      handler: async () => ({
        dingtalk: (await deps.signIn.bindingsOffering('qr')).map((binding) => ({
          bindingId: binding.id,
          name: binding.name,
          url: `/login/dingtalk/${encodeURIComponent(binding.id)}?return_to=${encodeURIComponent(CONSOLE_DINGTALK_RETURN)}`,
        })),
      }),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/console/session',
      operationId: 'createConsoleSession',
      summary: "Exchange the browser's DingTalk sign-in for a short-lived admin token (console administrators only)",
      description:
        'Authenticated by the Dingbridge session cookie, not a bearer token; same-origin requests with `content-type: ' +
        'application/json` only (no fields: the cookie says who asks). The token expires within an hour (never after the browser session) and stops working ' +
        'when the account is disabled or loses the console role. 401 `console.sign_in_required` without a live ' +
        'session; 403 `console.not_admin` for an account without the role; 403 `console.cross_origin`; 415 `console.json_required`.',
      tag,
      auth: 'none',
      status: 201,
      response: consoleSessionCreatedSchema,
      errors: [401, 403, 415],
      handler: async ({ request, reply }) => {
        refuseCrossOrigin(request, publicOrigin);
        if (!isJson(request)) {
          throw new AppError('console.json_required', 'Send this request with `content-type: application/json` (the console does).', { status: 415 });
        }
        const session = await deps.sessions.resolve(readCookie(request, SESSION_COOKIE));
        if (!session) {
          throw new AppError(
            'console.sign_in_required',
            'This browser is not signed in with DingTalk (or the sign-in ended, or the account is disabled). Use "Sign in with DingTalk" on the console\'s sign-in page.',
            { status: 401 },
          );
        }
        const account = await accountOf(session.accountId);
        if (account?.status !== 'enabled') {
          throw new AppError('console.sign_in_required', 'The account of this sign-in is disabled or gone. Ask an administrator.', { status: 401 });
        }
        if (account.console_role !== 'admin') {
          throw new AppError(
            'console.not_admin',
            `Your account ${account.display_name} (${account.username}) is not a console administrator. Ask an administrator to grant the role: ` +
              `dingbridge accounts update ${account.id} --console-role admin`,
            { status: 403, details: { accountId: account.id, username: account.username, displayName: account.display_name } },
          );
        }
        const expiresAt = new Date(Math.min(deps.now() + CONSOLE_TOKEN_TTL_MS, session.expiresAt.getTime()));
        const { id, token } = await deps.adminTokens.create(`console: ${account.username}`, { accountId: account.id, expiresAt });
        request.log.info({ accountId: account.id, tokenId: id }, 'console: DingTalk sign-in exchanged for an admin token');
        void reply.header('cache-control', 'no-store');
        return {
          token,
          kind: 'dingtalk' as const,
          tokenName: `console: ${account.username}`,
          account: { id: account.id, username: account.username, displayName: account.display_name },
          expiresAt: expiresAt.toISOString(),
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/console/session',
      operationId: 'showConsoleSession',
      summary: 'Who the presented admin token speaks for (the console shows it at the top right)',
      tag,
      status: 200,
      response: consoleSessionViewSchema,
      handler: async ({ caller }) => {
        const token = caller!;
        const account = token.accountId === null ? undefined : await accountOf(token.accountId);
        const view: ConsoleSessionView = {
          kind: token.accountId === null ? 'token' : 'dingtalk',
          tokenName: token.name,
          account: account === undefined ? null : { id: account.id, username: account.username, displayName: account.display_name },
          expiresAt: token.expiresAt?.toISOString() ?? null,
        };
        return view;
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/v1/console/session',
      operationId: 'endConsoleSession',
      summary: 'Sign out of the console: revoke a token minted by DingTalk sign-in and end that browser session',
      description: 'A token made by hand (the local one) is left alone: the CLI and scripts use it too.',
      tag,
      status: 200,
      response: consoleSignOutSchema,
      handler: async ({ caller, request, reply }) => {
        const token = caller!;
        if (token.accountId === null) return { revoked: false, browserSessionEnded: false };
        const revoked = await deps.adminTokens.revoke(token.id);
        const cookie = readCookie(request, SESSION_COOKIE);
        const session = await deps.sessions.resolve(cookie);
        // Only the same person's session: a shared browser signed in as someone else since is not theirs to end.
        const browserSessionEnded = session?.accountId === token.accountId;
        if (browserSessionEnded) {
          await deps.sessions.destroy(cookie);
          clearSessionCookie(reply, secure);
        }
        return { revoked, browserSessionEnded };
      },
    }),
  ];
}

/**
 * Refuses a request that does not come from a page of this server: `Origin` must be present (browsers send it on
 * every POST) and name the public URL's origin or the request's own host; `Sec-Fetch-Site`, when sent, must be
 * `same-origin`. The session cookie is SameSite=Lax already; this also stops sibling sites of the same domain.
 */
function refuseCrossOrigin(request: FastifyRequest, publicOrigin: string): void {
  const origin = request.headers.origin;
  const site = request.headers['sec-fetch-site'];
  const host = request.headers.host;
  const own = [publicOrigin, ...(host === undefined ? [] : [`http://${host}`, `https://${host}`])];
  if (typeof origin !== 'string' || !own.includes(origin) || (site !== undefined && site !== 'same-origin')) {
    throw new AppError(
      'console.cross_origin',
      'The console session can only be requested by the console itself (same origin). Open the console at its own address and sign in there.',
      { status: 403, details: { origin: typeof origin === 'string' ? origin : null, secFetchSite: typeof site === 'string' ? site : null } },
    );
  }
}

function isJson(request: FastifyRequest): boolean {
  const type = request.headers['content-type'];
  return typeof type === 'string' && /^application\/json\s*(;|$)/i.test(type);
}

function clearSessionCookie(reply: FastifyReply, secure: boolean): void {
  void reply.header('set-cookie', cookieHeader(SESSION_COOKIE, '', { path: '/', maxAgeSeconds: 0, secure }));
}
