/**
 * The oapi wire envelope (§2, §6.1): always HTTP 200, `errcode`/`errmsg`, snake_case `request_id`,
 * `Content-Type: application/json;charset=UTF-8` and `Server: DingTalk/1.0.0`. On `/topapi/*`, token and permission
 * errors are wrapped as `errcode 88` with a string `sub_code`; legacy paths answer them plainly.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import type { DingTalkError } from './dingtalk-error.ts';

export const OAPI_CONTENT_TYPE = 'application/json;charset=UTF-8';
export const SERVER_HEADER = 'DingTalk/1.0.0';

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** 12–13 lowercase letters and digits, like DingTalk's `request_id` values (§2). */
export function newRequestId(): string {
  const bytes = randomBytes(13);
  const length = 12 + (bytes[0] as number) % 2;
  let id = '';
  for (let i = 0; i < length; i++) id += ID_ALPHABET[(bytes[i] as number) % ID_ALPHABET.length];
  return id;
}

export type OapiBody = Record<string, unknown>;

export function oapiOk(fields: OapiBody = {}): OapiBody {
  return { errcode: 0, errmsg: 'ok', ...fields, request_id: newRequestId() };
}

/** The body for a business error: wrapped as 88 + `sub_code` on topapi when DingTalk wraps it (§2). */
export function oapiFailure(error: DingTalkError, topapi: boolean): OapiBody {
  if (!topapi) return { errcode: error.errcode, errmsg: error.message };
  if (error.wrapped) {
    return {
      errcode: 88,
      sub_code: String(error.errcode),
      sub_msg: error.message,
      errmsg: `ding talk error[subcode=${error.errcode},submsg=${error.message}]`,
      request_id: newRequestId(),
    };
  }
  return { errcode: error.errcode, errmsg: error.message, request_id: newRequestId() };
}

/** §2: an unknown `/topapi/...` method is errcode 22 naming the `dingtalk.oapi.*` API. */
export function oapiUnknownMethod(path: string): OapiBody {
  const apiName = `dingtalk.oapi.${path.replace(/^\/?topapi\//, '').replace(/\//g, '.')}`;
  const subMsg = `不合法ApiName，ApiName = ${apiName}`;
  return { errcode: 22, sub_msg: subMsg, errmsg: `Invalid method[submsg=${subMsg}]`, request_id: newRequestId() };
}

/** §2: any other unknown oapi path. */
export const OAPI_NOT_FOUND: OapiBody = { errcode: 404, errmsg: '请求的URI地址不存在' };

export function sendOapi(reply: FastifyReply, body: OapiBody): FastifyReply {
  return reply.code(200).header('content-type', OAPI_CONTENT_TYPE).header('server', SERVER_HEADER).send(JSON.stringify(body));
}

export function isTopapi(path: string): boolean {
  return path.startsWith('/topapi/');
}
