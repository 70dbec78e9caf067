/**
 * The browser side of sign-in as a Fastify plugin, outside the admin API: `/login` and the DingTalk flows
 * (§10.1 QR, §10.3 workbench), `/logout`, workbench SSO into an application (`/sso/workbench/{clientId}`), the OIDC
 * provider's interaction step and the provider itself under `/oidc`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Interaction } from 'oidc-provider';
import { AppError, isAppError } from '../core/index.ts';
import type { Apps } from './apps-service.ts';
import { loginPage, refusalPage, workbenchPage } from './auth-pages.ts';
import type { DingTalkSignIn, SignedIn } from './dingtalk-sign-in.ts';
import { OIDC_PATH, type Oidc } from './oidc-provider.ts';
import type { Sessions } from './sessions.ts';

export const SESSION_COOKIE = 'dingbridge_session';
const NONCE_COOKIE = 'dingbridge_login_nonce';

export interface AuthRoutesDeps {
  signIn: DingTalkSignIn;
  sessions: Sessions;
  apps: Pick<Apps, 'client'>;
  oidc: Oidc;
  publicUrl: string;
  /** The display name of an account, for the "signed in as" line. */
  accountName(accountId: string): Promise<string | undefined>;
}

/**
 * A local path to return to after sign-in, or `/login`: never another origin (no open redirect). `//host` and `/\host`
 * are protocol-relative to browsers, so they are refused too.
 *
 * @example
 * safeReturnTo('/oidc/interaction/abc'); // '/oidc/interaction/abc'
 * safeReturnTo('https://evil.example');  // '/login'
 */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || value.length > 2000 || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) {
    return '/login';
  }
  // Control characters (a CR/LF would split the Location header): refused, like anything unusual.
  return [...value].some((c) => c.charCodeAt(0) < 0x20) ? '/login' : value;
}

/**
 * @example
 * await createHttpServer({ ..., plugins: [authRoutes(deps)] });
 */
export function authRoutes(deps: AuthRoutesDeps): (app: FastifyInstance) => Promise<void> {
  const secure = deps.publicUrl.startsWith('https:');
  const callbackUrl = `${deps.publicUrl}/login/dingtalk/callback`;

  const cookie = (name: string, value: string, options: { path: string; maxAgeSeconds: number }) => cookieHeader(name, value, { ...options, secure });

  const startSession = async (reply: FastifyReply, signedIn: SignedIn, method: 'qr' | 'workbench') => {
    const { token, expiresAt } = await deps.sessions.create({ accountId: signedIn.accountId, bindingId: signedIn.bindingId, method });
    const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
    void reply.header('set-cookie', cookie(SESSION_COOKIE, token, { path: '/', maxAgeSeconds: maxAge }));
  };

  const refuse = (request: FastifyRequest, reply: FastifyReply, error: unknown) => {
    const appError = isAppError(error)
      ? error
      : new AppError('auth.unavailable', 'DingTalk could not be reached to sign you in. Try again in a minute.', { status: 502, cause: error });
    request.log[appError.status >= 500 ? 'error' : 'info']({ err: error, code: appError.code }, 'sign-in refused');
    return reply
      .code(appError.status)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(refusalPage({ code: appError.code, message: appError.expose ? appError.message : 'Sign-in failed.', status: appError.status }));
  };

  return async (app) => {
    app.get('/login', async (request, reply) => {
      const query = request.query as Record<string, unknown>;
      const returnTo = safeReturnTo(query.return_to);
      const session = await deps.sessions.resolve(readCookie(request, SESSION_COOKIE));
      if (session && returnTo !== '/login') return reply.redirect(returnTo);
      const bindings = await deps.signIn.bindingsOffering('qr');
      const signedInAs = session ? ((await deps.accountName(session.accountId)) ?? session.accountId) : undefined;
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(loginPage({ bindings, returnTo, signedInAs }));
    });

    app.get('/login/dingtalk/:bindingId', async (request, reply) => {
      const { bindingId } = request.params as { bindingId: string };
      const query = request.query as Record<string, unknown>;
      try {
        const { url, nonce } = await deps.signIn.start(bindingId, { redirectUri: callbackUrl, returnTo: safeReturnTo(query.return_to) });
        // The nonce binds the flow to this browser: a state taken from someone else's link fails here (login CSRF).
        return reply.header('set-cookie', cookie(NONCE_COOKIE, nonce, { path: '/login/dingtalk', maxAgeSeconds: 600 })).redirect(url);
      } catch (error) {
        return refuse(request, reply, error);
      }
    });

    app.get('/login/dingtalk/callback', async (request, reply) => {
      const query = request.query as Record<string, unknown>;
      // §10.1 step 2: `code` and `authCode` carry the same value; either may be present.
      const code = typeof query.code === 'string' ? query.code : typeof query.authCode === 'string' ? query.authCode : undefined;
      try {
        if (typeof query.error === 'string') {
          throw new AppError('auth.cancelled', 'Sign-in was cancelled on DingTalk.', { status: 400 });
        }
        if (code === undefined || typeof query.state !== 'string') {
          throw new AppError('auth.bad_callback', 'The DingTalk callback is missing its code or state. Start again from the sign-in page.', {
            status: 400,
          });
        }
        const signedIn = await deps.signIn.finishQr({ state: query.state, nonce: readCookie(request, NONCE_COOKIE), code });
        await startSession(reply, signedIn, 'qr');
        void reply.header('set-cookie', cookie(NONCE_COOKIE, '', { path: '/login/dingtalk', maxAgeSeconds: 0 }));
        return reply.redirect(signedIn.returnTo);
      } catch (error) {
        return refuse(request, reply, error);
      }
    });

    app.get('/login/workbench/:bindingId', async (request, reply) => {
      const { bindingId } = request.params as { bindingId: string };
      const query = request.query as Record<string, unknown>;
      try {
        if (typeof query.code !== 'string') {
          const { binding } = await deps.signIn.bindingFor(bindingId, 'workbench');
          return reply.type('text/html; charset=utf-8').send(workbenchPage({ corpId: binding.corpId, clientId: binding.appKey }));
        }
        const signedIn = await deps.signIn.finishWorkbench(bindingId, query.code);
        await startSession(reply, signedIn, 'workbench');
        return reply.redirect(safeReturnTo(query.return_to));
      } catch (error) {
        return refuse(request, reply, error);
      }
    });

    app.get('/sso/workbench/:clientId', async (request, reply) => {
      const { clientId } = request.params as { clientId: string };
      const query = request.query as Record<string, unknown>;
      try {
        const client = await deps.apps.client(clientId);
        if (!client) throw new AppError('app.not_found', `No application ${clientId}. Check the homepage URL set in DingTalk.`, { status: 404 });
        const bindings = await deps.signIn.bindingsOffering('workbench');
        // §10.3: the homepage may carry `?corpid=$CORPID$`; without it, the one binding offering workbench sign-in.
        const corpId = typeof query.corpid === 'string' ? query.corpid : typeof query.corpId === 'string' ? query.corpId : undefined;
        const candidates = corpId === undefined ? bindings : bindings.filter((binding) => binding.corpId === corpId);
        const binding = candidates[0];
        if (binding === undefined || candidates.length > 1) {
          throw new AppError(
            'auth.login_not_enabled',
            candidates.length > 1
              ? 'Several organizations offer workbench sign-in: add `?corpid=$CORPID$` to the homepage URL set in DingTalk.'
              : 'Workbench sign-in is not enabled for this organization. An administrator enables it with `dingbridge bindings update <id> --login workbench`.',
            { status: 404 },
          );
        }
        if (typeof query.code !== 'string') {
          return reply.type('text/html; charset=utf-8').send(workbenchPage({ corpId: binding.corpId, clientId: binding.appKey }));
        }
        const signedIn = await deps.signIn.finishWorkbench(binding.id, query.code);
        await startSession(reply, signedIn, 'workbench');
        const firstRedirect = client.redirectUris[0];
        const target =
          client.initiateLoginUri ??
          `${deps.oidc.issuer}/auth?${new URLSearchParams({ client_id: client.id, redirect_uri: firstRedirect ?? '', response_type: 'code', scope: 'openid profile' }).toString()}`;
        return reply.redirect(target);
      } catch (error) {
        return refuse(request, reply, error);
      }
    });

    app.get(`${OIDC_PATH}/interaction/:uid`, async (request, reply) => {
      const provider = await deps.oidc.provider();
      let details: Interaction;
      try {
        details = await provider.interactionDetails(request.raw, reply.raw);
      } catch (error) {
        return refuse(request, reply, new AppError('auth.interaction_expired', 'This sign-in took too long or was already finished. Go back to the application and start again.', { status: 400, cause: error }));
      }
      const session = await deps.sessions.resolve(readCookie(request, SESSION_COOKIE));
      if (!session) {
        const returnTo = `${OIDC_PATH}/interaction/${encodeURIComponent(details.uid)}`;
        const bindings = await deps.signIn.bindingsOffering('qr');
        // One organization: straight to DingTalk, no choice to make.
        if (bindings.length === 1 && bindings[0]) {
          return reply.redirect(`/login/dingtalk/${encodeURIComponent(bindings[0].id)}?return_to=${encodeURIComponent(returnTo)}`);
        }
        return reply.redirect(`/login?return_to=${encodeURIComponent(returnTo)}`);
      }
      // Applications are the company's own: the person's consent is implied, so the requested scopes are granted.
      const existing = details.grantId === undefined ? undefined : await provider.Grant.find(details.grantId);
      const grant = existing?.accountId === session.accountId ? existing : undefined;
      const target = grant ?? new provider.Grant({ accountId: session.accountId, clientId: details.params.client_id });
      if (typeof details.params.scope === 'string') target.addOIDCScope(details.params.scope);
      const missingClaims = details.prompt.details.missingOIDCClaims;
      if (Array.isArray(missingClaims)) target.addOIDCClaims(missingClaims as string[]);
      const grantId = await target.save();
      const redirectTo = await provider.interactionResult(
        request.raw,
        reply.raw,
        { login: { accountId: session.accountId }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
      return reply.redirect(redirectTo);
    });

    // The provider itself: a Koa app behind Fastify. Its body parsers read the raw request, so this scope takes
    // bodies unparsed; the path is stripped of `/oidc` and `originalUrl` keeps the full one for its URLs.
    await app.register((scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
      const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
        const provider = await deps.oidc.provider();
        reply.hijack();
        const raw = request.raw as typeof request.raw & { originalUrl?: string };
        const url = raw.url ?? '/';
        raw.originalUrl = url;
        raw.url = url.slice(OIDC_PATH.length) || '/';
        provider.callback()(raw, reply.raw);
      };
      scope.all(`${OIDC_PATH}/*`, handler);
      // Here too, so the sign-out form's body (urlencoded, empty) needs no parser.
      scope.post('/logout', async (request, reply) => {
        await deps.sessions.destroy(readCookie(request, SESSION_COOKIE));
        return reply.header('set-cookie', cookie(SESSION_COOKIE, '', { path: '/', maxAgeSeconds: 0 })).redirect('/login', 303);
      });
      return Promise.resolve();
    });
  };
}

/**
 * A `set-cookie` value of sign-in: HttpOnly, SameSite=Lax (sent on DingTalk's redirect back, never on a cross-site
 * POST), Secure when the public URL is https. `maxAgeSeconds: 0` deletes it.
 *
 * @example
 * reply.header('set-cookie', cookieHeader(SESSION_COOKIE, '', { path: '/', maxAgeSeconds: 0, secure }));
 */
export function cookieHeader(name: string, value: string, options: { path: string; maxAgeSeconds: number; secure: boolean }): string {
  return `${name}=${value}; Path=${options.path}; Max-Age=${options.maxAgeSeconds}; HttpOnly; SameSite=Lax${options.secure ? '; Secure' : ''}`;
}

/** The value of cookie `name` of the request, if any. */
export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index === -1) continue;
    if (part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}
