/**
 * The api family (`/v1.0/...`, §1.1, §1.3) on the emulator's base URL: the two app-token endpoints, and the
 * header-only authentication every other `/v1.0` path passes before anything else.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorApp } from './app-registry.ts';
import { sendApi, sendApiErrcode, sendApiError, sendApiThrottled } from './api-envelope.ts';
import { admitCall } from './call-gate.ts';
import { faultMessage } from './dingtalk-error.ts';
import type { EmulatorContext } from './emulator-context.ts';
import { bodyOf, isRecord } from './request-body.ts';

export const ACCESS_TOKEN_HEADER = 'x-acs-dingtalk-access-token';

export function registerApiRoutes(app: FastifyInstance, context: EmulatorContext): void {
  app.post('/v1.0/oauth2/accessToken', (request, reply) => appAccessToken(context, request, reply));
  app.post('/v1.0/oauth2/:corpId/token', (request, reply) => corpToken(context, request, reply));
  // Any other /v1.0 path: the gateway checks the token header first (§1.1), then finds no such API.
  app.all('/v1.0/*', (request, reply) => {
    const app = authenticateApi(context, request, reply);
    if (!app) return reply;
    return sendApiError(reply, 404, 'InvalidAction.NotFound', 'Specified api is not found, please check your url and method.');
  });
}

/**
 * §1.1, §6.2: only the `x-acs-dingtalk-access-token` header counts (`?access_token=` or a Bearer header → 400
 * `AuthenticationFailed.MissingParameter`); an unknown or expired token → 400 `InvalidAuthentication`. Answers
 * the error itself and returns undefined, or returns the calling app.
 */
export function authenticateApi(context: EmulatorContext, request: FastifyRequest, reply: FastifyReply): EmulatorApp | undefined {
  const header = request.headers[ACCESS_TOKEN_HEADER];
  const token = Array.isArray(header) ? header[0] : header;
  if (token === undefined || token.trim() === '') {
    sendApiError(reply, 400, 'AuthenticationFailed.MissingParameter', `缺少参数：${ACCESS_TOKEN_HEADER}`);
    return undefined;
  }
  const appKey = context.tokens.resolve(token.trim(), context.clock.now());
  const app = appKey === undefined ? undefined : context.apps.get(appKey);
  if (!app) sendApiError(reply, 400, 'InvalidAuthentication', '不合法的access_token');
  return app;
}

/** Text value of a body field; typed JSON clients may send numbers. */
function field(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Counts the call and passes it through the rate window and faults; answers throttling or a fault itself. */
export async function admitApi(context: EmulatorContext, reply: FastifyReply, api: string, app: EmulatorApp | undefined): Promise<boolean> {
  context.calls.record(api);
  const outcome = await admitCall(context, api, app?.appKey);
  if (outcome.kind === 'throttled') sendApiThrottled(reply);
  else if (outcome.kind === 'error') sendApiErrcode(reply, outcome.errcode, faultMessage(outcome.errcode));
  return outcome.kind === 'pass';
}

/** §1.3: JSON body `{appKey, appSecret}` only; a form body is refused as a missing body (`Missingbody`). */
async function appAccessToken(context: EmulatorContext, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const body = bodyOf(request);
  const value = body.kind === 'json' && isRecord(body.value) ? body.value : undefined;
  const appKey = value && field(value, 'appKey');
  const app = appKey === undefined ? undefined : context.apps.get(appKey);
  if (!(await admitApi(context, reply, 'v1.0/oauth2/accessToken', app))) return reply;
  if (!value) return sendApiError(reply, 400, 'Missingbody', 'body is mandatory for this action.');
  if (appKey === undefined) return sendApiError(reply, 400, 'MissingappKey', 'appKey is mandatory for this action.');
  const appSecret = field(value, 'appSecret');
  if (appSecret === undefined) return sendApiError(reply, 400, 'MissingappSecret', 'appSecret is mandatory for this action.');
  if (!app || app.appSecret !== appSecret) {
    return sendApiError(reply, 400, 'invalidClientIdOrSecret', '无效的clientId或者clientSecret');
  }
  const issued = context.tokens.issue(app.appKey, context.clock.now());
  return sendApi(reply, 200, { accessToken: issued.token, expireIn: issued.expiresIn });
}

/**
 * §1.3 unified endpoint: `{client_id, client_secret, grant_type: "client_credentials"}` (JSON, or a form as OAuth 2
 * clients send it) → snake_case `{access_token, expires_in}`. Bad credentials → 400 `invalid.client`; a known app
 * asking under another corpId → 401 `unauthorized.client`; another grant → 400 `unsupported.grant.type`.
 */
async function corpToken(context: EmulatorContext, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const corpId = isRecord(request.params) && typeof request.params.corpId === 'string' ? request.params.corpId : '';
  const body = bodyOf(request);
  const value = (body.kind === 'json' || body.kind === 'form') && isRecord(body.value) ? body.value : {};
  const clientId = field(value, 'client_id');
  const app = clientId === undefined ? undefined : context.apps.get(clientId);
  // The counter key is the path; unknown corpIds share one key so that garbage cannot grow the table.
  const api = corpId === context.corpId ? `v1.0/oauth2/${corpId}/token` : 'v1.0/oauth2/{corpId}/token';
  if (!(await admitApi(context, reply, api, app))) return reply;
  if (field(value, 'grant_type') !== 'client_credentials') {
    return sendApiError(reply, 400, 'unsupported.grant.type', '不支持的grant_type，仅支持client_credentials');
  }
  if (!app || app.appSecret !== field(value, 'client_secret')) {
    return sendApiError(reply, 400, 'invalid.client', '无效的client_id或client_secret');
  }
  if (corpId !== context.corpId) return sendApiError(reply, 401, 'unauthorized.client', '应用未被该组织授权');
  const issued = context.tokens.issue(app.appKey, context.clock.now());
  return sendApi(reply, 200, { access_token: issued.token, expires_in: issued.expiresIn });
}
