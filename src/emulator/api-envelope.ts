/**
 * The api.dingtalk.com wire envelope (§1.1, §6.1): business bodies in camelCase on 2xx; errors as an HTTP status
 * with `{code, message, requestid}`. The request id is also sent as the `x-acs-request-id` header.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { OAPI_CONTENT_TYPE, SERVER_HEADER } from './oapi-envelope.ts';

export function sendApi(reply: FastifyReply, status: number, body: Record<string, unknown>, requestId = newApiRequestId()): FastifyReply {
  return reply
    .code(status)
    .header('content-type', OAPI_CONTENT_TYPE)
    .header('server', SERVER_HEADER)
    .header('x-acs-request-id', requestId)
    .send(JSON.stringify(body));
}

export function sendApiError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  const requestid = newApiRequestId();
  return sendApi(reply, status, { code, message, requestid }, requestid);
}

/** Upper-case UUIDs, as in the api family's error bodies (§1.1). */
function newApiRequestId(): string {
  return randomUUID().toUpperCase();
}

/** §6.2–§6.3: how the api family spells an oapi errcode raised by the gate or a fault. */
export function sendApiErrcode(reply: FastifyReply, errcode: number, message: string): FastifyReply {
  if (errcode === 90018) return sendApiThrottled(reply);
  if (errcode === -1) return sendApiError(reply, 503, 'unknownError', message);
  return sendApiError(reply, 400, String(errcode), message);
}

export function sendApiThrottled(reply: FastifyReply): FastifyReply {
  return sendApiError(reply, 403, 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', '该应用调用当前接口的频率超过了QPS限制，请稍后重试');
}
