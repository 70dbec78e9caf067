/**
 * The oapi family on the emulator's base URL (§1.2, §2, §3, §4, §5): `/gettoken`, `/auth/scopes` and every
 * `/topapi/*` method of the method table, each answered with HTTP 200 and DingTalk's envelope.
 *
 * A method call goes through the same steps every time: count → authenticate (`access_token` from the query or a
 * form body) → rate window and injected faults → permission → parameters → handler.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorApp } from './app-registry.ts';
import { admitCall } from './call-gate.ts';
import { DingTalkError, dingTalkError, faultMessage } from './dingtalk-error.ts';
import { getDepartment, listParentByDept, listParentByUser, listSub, listSubId } from './department-methods.ts';
import { createDepartment, deleteDepartment, updateDepartment } from './department-write-methods.ts';
import type { EmulatorContext } from './emulator-context.ts';
import { oapiFailure, oapiOk, sendOapi, type OapiBody } from './oapi-envelope.ts';
import type { OapiMethod } from './oapi-method.ts';
import { oapiRequestParams } from './oapi-params.ts';
import { bodyOf, isRecord } from './request-body.ts';
import {
  countUsers,
  getByMobile,
  getByUnionid,
  getUser,
  listSimple,
  listUserIds,
  listUsers,
} from './user-methods.ts';
import { createUser, deleteUser, updateUser } from './user-write-methods.ts';

/** Every `/topapi/*` method the emulator answers. */
export const OAPI_METHODS: readonly OapiMethod[] = [
  listSub,
  listSubId,
  getDepartment,
  listParentByDept,
  listParentByUser,
  listUserIds,
  listSimple,
  listUsers,
  getUser,
  getByUnionid,
  getByMobile,
  countUsers,
  createDepartment,
  updateDepartment,
  deleteDepartment,
  createUser,
  updateUser,
  deleteUser,
];

/** Non-topapi oapi paths (legacy envelope: errors are not wrapped in 88). */
export const OAPI_LEGACY_APIS = ['gettoken', 'auth/scopes'] as const;

/** Registers the method table plus `extra` methods built elsewhere (the 免登 methods of login-oapi-methods.ts). */
export function registerOapiRoutes(app: FastifyInstance, context: EmulatorContext, extra: readonly OapiMethod[] = []): void {
  // DingTalk's gateway reads parameters from the query on GET as on POST; both are accepted everywhere.
  const methods = ['GET', 'POST'] as const;
  app.route({ method: [...methods], url: '/gettoken', handler: (request, reply) => getToken(context, request, reply) });
  app.route({ method: [...methods], url: '/auth/scopes', handler: (request, reply) => authScopes(context, request, reply) });
  for (const method of [...OAPI_METHODS, ...extra]) {
    app.route({ method: [...methods], url: `/${method.api}`, handler: (request, reply) => answerMethod(context, method, request, reply) });
  }
}

function answerMethod(context: EmulatorContext, method: OapiMethod, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  context.calls.record(method.api);
  // Legacy non-topapi methods (`user/getuserinfo`) answer auth errors unwrapped (§2).
  const topapi = method.api.startsWith('topapi/');
  return answer(reply, topapi, async () => {
    const { token, params } = readRequest(request);
    const app = authenticate(context, token, topapi);
    await admit(context, method.api, app.appKey);
    if (method.permission && !app.permissions.has(method.permission)) {
      // §2 / §6.2: permission errors are wrapped like token errors, naming what is missing.
      throw new DingTalkError(
        60011,
        `没有调用该接口的权限，接口权限申请参考：https://open.dingtalk.com/document/orgapp-server/add-api-permission, requiredScopes:[${method.permission}]`,
        { wrapped: true },
      );
    }
    return method.run(params(), { org: context.org, app });
  });
}

/** Sends what `work` returns in the success envelope, or the DingTalkError it throws in the error envelope. */
async function answer(reply: FastifyReply, topapi: boolean, work: () => Promise<OapiBody>): Promise<FastifyReply> {
  try {
    return sendOapi(reply, oapiOk(await work()));
  } catch (error) {
    if (error instanceof DingTalkError) return sendOapi(reply, oapiFailure(error, topapi));
    throw error;
  }
}

/**
 * The token and the parameters of an oapi request. The token is read even when the body is unusable (from the
 * query), so that a bad body with a bad token is a token error; the body's own error surfaces when the parameters
 * are asked for, after authentication, rate limit and permission.
 */
function readRequest(request: FastifyRequest): { token: string | undefined; params: () => Record<string, unknown> } {
  try {
    const { token, params } = oapiRequestParams(request.query, bodyOf(request));
    return { token, params: () => params };
  } catch (error) {
    const query = isRecord(request.query) ? request.query : {};
    const token = typeof query.access_token === 'string' ? query.access_token : undefined;
    return {
      token,
      params: () => {
        throw error;
      },
    };
  }
}

/**
 * §1.1, §2, §6.2: a missing token is 88/"40000" on topapi and 41001 elsewhere; an unknown or expired one is
 * 88/"40014" on topapi and plain 40014 elsewhere.
 */
function authenticate(context: EmulatorContext, token: string | undefined, topapi: boolean): EmulatorApp {
  if (token === undefined || token.trim() === '') {
    throw topapi ? new DingTalkError(40000, 'access_token is blank', { wrapped: true }) : dingTalkError(41001);
  }
  const appKey = context.tokens.resolve(token, context.clock.now());
  const app = appKey === undefined ? undefined : context.apps.get(appKey);
  if (!app) throw new DingTalkError(40014, '不合法的access_token', { wrapped: topapi });
  return app;
}

/** Rate window and faults; throttling is 90018 with HTTP 200 (§6.3; the exact errmsg is UNCONFIRMED, §13.4). */
async function admit(context: EmulatorContext, api: string, appKey: string | undefined): Promise<void> {
  const outcome = await admitCall(context, api, appKey);
  if (outcome.kind === 'throttled') {
    throw dingTalkError(90018, `当前应用调用该接口(${api})的频率超过了每秒${context.rates.qps}次的限制，请稍后重试`);
  }
  if (outcome.kind === 'error') throw dingTalkError(outcome.errcode, faultMessage(outcome.errcode));
}

/** §1.2: query parameters only; a form body is not read (40035), wrong credentials are 40096. */
function getToken(context: EmulatorContext, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const api = 'gettoken';
  context.calls.record(api);
  return answer(reply, false, async () => {
    const query = isRecord(request.query) ? request.query : {};
    const { appkey, appsecret } = query;
    if (typeof appkey !== 'string' || appkey === '') throw dingTalkError(40035, '缺少参数 corpid or appkey');
    if (typeof appsecret !== 'string' || appsecret === '') throw dingTalkError(40035, '缺少参数 corpsecret or appsecret');
    const app = context.apps.get(appkey);
    await admit(context, api, app?.appKey);
    if (!app || app.appSecret !== appsecret) throw dingTalkError(40096);
    const issued = context.tokens.issue(app.appKey, context.clock.now());
    return { access_token: issued.token, expires_in: issued.expiresIn };
  });
}

/** §3.6: the app's address-book scope and the user fields it may read. */
function authScopes(context: EmulatorContext, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const api = 'auth/scopes';
  context.calls.record(api);
  return answer(reply, false, async () => {
    const app = authenticate(context, readRequest(request).token, false);
    await admit(context, api, app.appKey);
    const fields = ['userid', 'unionid', 'name', 'avatar', 'jobnumber', 'position', 'hiredDate', 'dept', 'isLeaderInDepts'];
    if (app.permissions.has('fieldMobile')) fields.push('mobile', 'stateCode');
    if (app.permissions.has('fieldEmail')) fields.push('email', 'orgEmail', 'workPlace', 'remark', 'extattr');
    return {
      auth_org_scopes: { authed_dept: [...app.scope.authedDept], authed_user: [...app.scope.authedUser] },
      auth_user_field: fields,
      condition_field: [],
    };
  });
}
