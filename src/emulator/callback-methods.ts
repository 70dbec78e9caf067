/**
 * The legacy event-callback APIs on the oapi family (§7.1, §7.5), for internal apps with their app token:
 *
 * - `POST call_back/register_call_back {call_back_tag[], token, aes_key, url}`: DingTalk sends `check_url` first and
 *   saves only when the reply decrypts to `success` with the corpId as owner key (§7.3: enterprise-level callbacks
 *   use the corpId). One registration per app: again → 71006.
 * - `POST call_back/update_call_back` (same body; 71007 when there is none), `GET call_back/get_call_back`,
 *   `GET call_back/delete_call_back`.
 * - `GET call_back/get_call_back_failed_result` → `{has_more, failed_list}`, at most 200, each call clearing the
 *   batch the previous call returned (§7.5). It lists this app's failed pushes, of both subscription kinds.
 *
 * Error codes, from DingTalk's legacy global error table (not in dingtalk-api.md, so UNCONFIRMED in detail): 71006
 * 回调地址已经存在, 71007 回调地址已不存在, 71008 call_back_tag not in the list, 71009 返回文本非success (the
 * check_url reply is not the encrypted `success` with the right owner key), 71010 bad or missing fields, 71011 bad
 * URL, 71012 url地址访问异常 (no HTTP 200 within the deadline).
 *
 * @example
 * registerOapiRoutes(app, context, callbackMethods(context.events));
 */
import { z } from 'zod';
import { AES_KEY_PATTERN } from './callback-crypto.ts';
import { dingTalkError } from './dingtalk-error.ts';
import type { EventHub, HttpSubscription } from './event-hub.ts';
import { CALLBACK_TAGS } from './event-payload.ts';
import { callbackUrlSchema } from './event-settings.ts';
import { oapiMethod, type OapiMethod } from './oapi-method.ts';
import { stringListParam, stringParam } from './oapi-params.ts';

const registerParams = z.object({
  call_back_tag: stringListParam(CALLBACK_TAGS.length),
  token: stringParam({ min: 1, max: 200 }),
  aes_key: stringParam({ min: 1, max: 200 }),
  url: stringParam({ min: 1, max: 2000 }),
});

const registerCodes = { missing: 71010, call_back_tag: 71008, token: 71010, aes_key: 71010, url: 71011 };

const noParams = z.object({});

/** The subscription a register or update body describes; DingTalk's codes for what is wrong with it. */
function registrationOf(input: z.output<typeof registerParams>, appKey: string, corpId: string): HttpSubscription {
  const unknown = input.call_back_tag.filter((tag) => !CALLBACK_TAGS.includes(tag));
  if (input.call_back_tag.length === 0 || unknown.length > 0) {
    throw dingTalkError(71008, `回调call_back_tag必须在指定的call_back_tag列表中: ${unknown.join(',')}`);
  }
  // §7.1: token 6–64 characters, aes_key exactly 43 of a–z A–Z 0–9.
  if (input.token.length < 6 || input.token.length > 64) throw dingTalkError(71010, 'POST的JSON数据包含的参数格式非法: token');
  if (!AES_KEY_PATTERN.test(input.aes_key)) throw dingTalkError(71010, 'POST的JSON数据包含的参数格式非法: aes_key');
  if (!callbackUrlSchema.safeParse(input.url).success) throw dingTalkError(71011, '传入的url参数不是合法的url格式');
  return {
    id: `corp:${appKey}`,
    kind: 'corp',
    appKey,
    ownerKey: corpId,
    url: input.url,
    token: input.token,
    aesKey: input.aes_key,
    eventTypes: new Set(input.call_back_tag),
    format: 'current',
  };
}

/** §7.5: saving needs a passing check_url. */
async function checked(events: EventHub, subscription: HttpSubscription): Promise<HttpSubscription> {
  const outcome = await events.checkUrl(subscription);
  if (outcome.ok) return subscription;
  if (outcome.kind === 'transport') throw dingTalkError(71012, `url地址访问异常,错误原因为:${outcome.reason}`);
  throw dingTalkError(71009, `返回文本非success: ${outcome.reason}`);
}

/** register (none may exist yet: 71006) or update (one must exist: 71007), each after a passing check_url. */
function saveMethod(events: EventHub, api: string, update: boolean): OapiMethod {
  return oapiMethod({
    api,
    params: registerParams,
    codes: registerCodes,
    handle: async (input, { app }) => {
      const exists = events.registrationOf(app.appKey) !== undefined;
      if (exists && !update) throw dingTalkError(71006, '回调地址已经存在');
      if (!exists && update) throw dingTalkError(71007, '回调地址已不存在');
      const subscription = registrationOf(input, app.appKey, events.corpId);
      events.setRegistration(app.appKey, await checked(events, subscription));
      return {};
    },
  });
}

export function callbackMethods(events: EventHub): OapiMethod[] {
  return [
    saveMethod(events, 'call_back/register_call_back', false),
    saveMethod(events, 'call_back/update_call_back', true),
    oapiMethod({
      api: 'call_back/get_call_back',
      params: noParams,
      handle: (_input, { app }) => {
        const registration = events.registrationOf(app.appKey);
        if (!registration) throw dingTalkError(71007, '回调地址已不存在');
        return { call_back_tag: [...(registration.eventTypes ?? [])], token: registration.token, aes_key: registration.aesKey, url: registration.url };
      },
    }),
    oapiMethod({
      api: 'call_back/delete_call_back',
      params: noParams,
      handle: (_input, { app }) => {
        if (!events.registrationOf(app.appKey)) throw dingTalkError(71007, '回调地址已不存在');
        events.setRegistration(app.appKey, undefined);
        return {};
      },
    }),
    oapiMethod({
      api: 'call_back/get_call_back_failed_result',
      params: noParams,
      handle: (_input, { app }) => events.failed.take(app.appKey),
    }),
  ];
}
