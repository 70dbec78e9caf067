/**
 * QR login's server side in the api family (§10.1 steps 3–4):
 *
 * - `POST /v1.0/oauth2/userAccessToken` (JSON) exchanges a code (`grantType: "authorization_code"`) or a refresh
 *   token (`grantType: "refresh_token"`) for `{accessToken, refreshToken, expireIn: 7200, corpId?}`;
 * - `GET /v1.0/contact/users/{unionId}` with the *user's* token in `x-acs-dingtalk-access-token` answers who that
 *   is (`me`, or the token's own unionId).
 *
 * Error bodies for bad codes are not documented (UNCONFIRMED, §13.8); the emulator's choices are HTTP 400 with
 * `invalidParameter.authCode.notFound` (unknown, used, or issued to another app), `invalidParameter.authCode.expired`,
 * and the same two for refresh tokens (`invalidParameter.refreshToken.*`). Refresh tokens rotate: the answer
 * carries a new one and the old one is spent (also UNCONFIRMED).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { sendApi, sendApiError } from './api-envelope.ts';
import { ACCESS_TOKEN_HEADER, admitApi } from './api-routes.ts';
import type { EmulatorContext } from './emulator-context.ts';
import type { Lookup } from './login-code-book.ts';
import { contactUserView, memberPerson, type LoginPerson } from './login-person.ts';
import type { LoginGrant } from './login-state.ts';
import { stringParam } from './oapi-params.ts';
import { bodyOf, isRecord } from './request-body.ts';

const USER_TOKEN_API = 'v1.0/oauth2/userAccessToken';

const GRANT_TYPES = ['authorization_code', 'refresh_token'] as const;

/** §10.1 step 3. Numbers are accepted as text, as on the app-token endpoint (§1.3). */
const tokenRequest = z.object({
  clientId: stringParam({ min: 1, max: 128 }),
  clientSecret: stringParam({ min: 1, max: 256 }),
  grantType: stringParam({ min: 1, max: 64 }),
  code: stringParam({ min: 1, max: 512 }).optional(),
  refreshToken: stringParam({ min: 1, max: 512 }).optional(),
});

/** An api-family error: HTTP status, `code`, `message`. */
interface ApiFailure {
  status: number;
  code: string;
  message: string;
}

export function registerOAuthApiRoutes(app: FastifyInstance, context: EmulatorContext): void {
  app.post('/v1.0/oauth2/userAccessToken', (request, reply) => userAccessToken(context, request, reply));
  app.get('/v1.0/contact/users/:unionId', (request, reply) => contactUser(context, request, reply));
}

async function userAccessToken(context: EmulatorContext, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const body = bodyOf(request);
  const value = body.kind === 'json' && isRecord(body.value) ? body.value : undefined;
  const clientId = value?.clientId;
  const caller = typeof clientId === 'string' ? context.apps.get(clientId) : undefined;
  if (!(await admitApi(context, reply, USER_TOKEN_API, caller))) return reply;
  // §1.3: JSON only; as on the app-token endpoint a form body is a missing body.
  if (!value) return sendApiError(reply, 400, 'Missingbody', 'body is mandatory for this action.');
  const parsed = tokenRequest.safeParse(value);
  if (!parsed.success) {
    const field = String(parsed.error.issues[0]?.path[0] ?? 'body');
    const missing = value[field] === undefined || value[field] === null || value[field] === '';
    return missing
      ? sendApiError(reply, 400, `Missing${field}`, `${field} is mandatory for this action.`)
      : sendApiError(reply, 400, 'invalidParameter', `${field} is invalid.`);
  }
  const input = parsed.data;
  if (!(GRANT_TYPES as readonly string[]).includes(input.grantType)) {
    return sendApiError(reply, 400, 'invalidParameter.grantType.notSupported', 'grantType只支持authorization_code或refresh_token');
  }
  if (!caller || caller.appSecret !== input.clientSecret) {
    return sendApiError(reply, 400, 'invalidClientIdOrSecret', '无效的clientId或者clientSecret');
  }
  const now = context.clock.now();
  const { login } = context;
  const authorizationCode = input.grantType === 'authorization_code';
  const secret = authorizationCode ? input.code : input.refreshToken;
  if (secret === undefined) {
    const field = authorizationCode ? 'code' : 'refreshToken';
    return sendApiError(reply, 400, `Missing${field}`, `${field} is mandatory for this action.`);
  }
  const book = authorizationCode ? login.authCodes : login.refreshTokens;
  const grant = usableGrant(book.peek(secret, now), caller.appKey, authorizationCode ? 'authCode' : 'refreshToken');
  if ('status' in grant) return sendApiError(reply, grant.status, grant.code, grant.message);
  // Single use (§10.1, §10.3): spent before the answer, so a lost answer cannot be replayed.
  book.spend(secret);
  const tokens = login.issueTokens(grant, now);
  // §10.1 step 1: with scope `openid corpid` the answer carries the organization the person logged in with.
  return sendApi(reply, 200, grant.corpScope ? { ...tokens, corpId: grant.person.corpId } : tokens);
}

/** A code or refresh token that this app may use now, or the error that refuses it. */
function usableGrant(found: Lookup<LoginGrant>, appKey: string, kind: 'authCode' | 'refreshToken'): LoginGrant | ApiFailure {
  const name = kind === 'authCode' ? '授权码' : 'refreshToken';
  // A code of another app is refused like an unknown one: it tells the caller nothing about other apps.
  if (found.kind === 'unknown' || found.value.clientId !== appKey) {
    return { status: 400, code: `invalidParameter.${kind}.notFound`, message: `${name}不存在或已使用` };
  }
  if (found.kind === 'expired') return { status: 400, code: `invalidParameter.${kind}.expired`, message: `${name}已过期` };
  return found.value;
}

/**
 * §10.1 step 4. The token must be a user token: an app token is refused with 403
 * `Forbidden.AccessDenied.AccessTokenPermissionDenied` (an app token has no person; the code is the api family's
 * "no permission" of §6.2 — DingTalk's exact answer is not documented). A user token reads only its own person:
 * `me` or its own unionId; another known person is 403 as well, an unknown unionId 404 `invalidParameter.user.notFound`.
 */
async function contactUser(context: EmulatorContext, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const unionId = isRecord(request.params) && typeof request.params.unionId === 'string' ? request.params.unionId : '';
  const header = request.headers[ACCESS_TOKEN_HEADER];
  const token = (Array.isArray(header) ? header[0] : header)?.trim() ?? '';
  const now = context.clock.now();
  const found = token === '' ? undefined : context.login.userTokens.peek(token, now);
  const grant = found?.kind === 'valid' ? found.value : undefined;
  const appKey = grant?.clientId ?? (token === '' ? undefined : context.tokens.resolve(token, now));
  const caller = appKey === undefined ? undefined : context.apps.get(appKey);
  // Counted under one key per kind, so that arbitrary unionIds cannot grow the counter table.
  const api = unionId === 'me' ? 'v1.0/contact/users/me' : 'v1.0/contact/users/{unionId}';
  if (!(await admitApi(context, reply, api, caller))) return reply;
  if (token === '') return sendApiError(reply, 400, 'AuthenticationFailed.MissingParameter', `缺少参数：${ACCESS_TOKEN_HEADER}`);
  if (!caller) return sendApiError(reply, 400, 'InvalidAuthentication', '不合法的access_token');
  if (!grant) return sendApiError(reply, 403, 'Forbidden.AccessDenied.AccessTokenPermissionDenied', '应用access_token无权调用该接口，请使用用户access_token');
  if (unionId !== 'me' && unionId !== grant.person.unionid) {
    return knownPerson(context, unionId)
      ? sendApiError(reply, 403, 'Forbidden.AccessDenied.AccessTokenPermissionDenied', '用户access_token只能读取本人信息')
      : sendApiError(reply, 404, 'invalidParameter.user.notFound', '用户不存在');
  }
  return sendApi(reply, 200, contactUserView(currentPerson(context, grant.person), caller));
}

/** The person as they are now if still a member (a profile may change after login), else as they logged in. */
function currentPerson(context: EmulatorContext, person: LoginPerson): LoginPerson {
  const user = context.org.userByUnionid(person.unionid);
  return user ? memberPerson(user, context.corpId) : person;
}

function knownPerson(context: EmulatorContext, unionId: string): boolean {
  return context.org.userByUnionid(unionId) !== undefined || context.login.stranger(unionId) !== undefined;
}
