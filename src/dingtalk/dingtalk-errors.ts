/**
 * The one edge module that turns what DingTalk answers into Dingbridge's error vocabulary (STYLE.md §5).
 *
 * Both API families fail differently (dingtalk-api.md §1.1, §6.1): oapi answers HTTP 200 with a numeric `errcode`
 * (on `/topapi/*` often wrapped as `errcode 88` plus a string `sub_code`, §2); api.dingtalk.com answers an HTTP
 * error status with `{code, message, requestid}`. Both end here in one {@link DingTalkError} with a stable code.
 * Nothing in this module ever puts a token, secret or request URL into a message or into `details`.
 */
import type { z } from 'zod';
import { AppError } from '../core/index.ts';

/** Every code a {@link DingTalkError} can carry. */
export const dingTalkErrorCodes = [
  'dingtalk.rate_limited',
  'dingtalk.permission_denied',
  'dingtalk.out_of_scope',
  'dingtalk.not_found',
  'dingtalk.invalid_credentials',
  'dingtalk.invalid_token',
  'dingtalk.invalid_parameter',
  'dingtalk.invalid_auth_code',
  'dingtalk.conflict',
  'dingtalk.unavailable',
  'dingtalk.timeout',
  'dingtalk.ip_blocked',
  'dingtalk.quota_exceeded',
  'dingtalk.bad_response',
  'dingtalk.api_error',
  'dingtalk.callback_bad_request',
  'dingtalk.callback_bad_aes_key',
  'dingtalk.callback_signature_mismatch',
  'dingtalk.callback_encrypt_failed',
  'dingtalk.callback_decrypt_failed',
  'dingtalk.callback_length_mismatch',
  'dingtalk.callback_owner_key_mismatch',
] as const;

export type DingTalkErrorCode = (typeof dingTalkErrorCodes)[number];

/** Structured facts about a failed DingTalk call; safe to log and to return (no token, no secret, no URL). */
export interface DingTalkErrorDetails {
  /** The API name: the request path without leading slash and query (`topapi/v2/user/get`). */
  api: string;
  /** oapi `errcode` (a number), api.dingtalk.com `code` (a string), or the callback library code (9000xx). */
  errcode?: number | string;
  /** oapi `sub_code` of an `errcode 88` wrapper (a string on the wire, §2). */
  subCode?: string;
  requestId?: string;
  httpStatus?: number;
  /** The DingTalk permission the app lacks, when the API → permission map knows it. */
  permission?: string;
  /** What to do about it, in words for an administrator. */
  hint?: string;
  /** Set on network failures only: the transport code (`ECONNREFUSED`, `UND_ERR_SOCKET`, …) or `fetch_failed`. */
  networkError?: string;
  /** zod issues of a body that did not parse. */
  issues?: readonly z.core.$ZodIssue[];
}

const httpStatusOf: Record<DingTalkErrorCode, number> = {
  'dingtalk.rate_limited': 429,
  'dingtalk.permission_denied': 422,
  'dingtalk.out_of_scope': 422,
  'dingtalk.not_found': 404,
  'dingtalk.invalid_credentials': 422,
  'dingtalk.invalid_token': 502,
  'dingtalk.invalid_parameter': 422,
  'dingtalk.invalid_auth_code': 400,
  'dingtalk.conflict': 409,
  'dingtalk.unavailable': 503,
  'dingtalk.timeout': 504,
  'dingtalk.ip_blocked': 503,
  'dingtalk.quota_exceeded': 429,
  'dingtalk.bad_response': 502,
  'dingtalk.api_error': 502,
  'dingtalk.callback_bad_request': 400,
  'dingtalk.callback_bad_aes_key': 500,
  'dingtalk.callback_signature_mismatch': 401,
  'dingtalk.callback_encrypt_failed': 500,
  'dingtalk.callback_decrypt_failed': 400,
  'dingtalk.callback_length_mismatch': 400,
  'dingtalk.callback_owner_key_mismatch': 401,
};

/**
 * A failure talking to DingTalk (or decoding one of its callbacks), with a stable `code`.
 *
 * @example
 * try { await client.users.get('zhangsan'); }
 * catch (error) { if (isDingTalkError(error, 'dingtalk.not_found')) markGone('zhangsan'); else throw error; }
 */
export class DingTalkError extends AppError {
  declare readonly code: DingTalkErrorCode;
  declare readonly details: Readonly<DingTalkErrorDetails>;

  constructor(code: DingTalkErrorCode, message: string, details: DingTalkErrorDetails, cause?: unknown) {
    // Messages are built here from API names, codes and DingTalk's own errmsg: safe to show.
    super(code, message, { status: httpStatusOf[code], expose: true, details: { ...details }, cause });
    this.name = 'DingTalkError';
  }
}

/** True when `error` is a {@link DingTalkError}, optionally with one of the given codes. */
export function isDingTalkError(error: unknown, ...codes: DingTalkErrorCode[]): error is DingTalkError {
  return error instanceof DingTalkError && (codes.length === 0 || codes.includes(error.code));
}

/**
 * The DingTalk permission each API needs, as the API pages name it (§3.1, §4.1, §4.3–4.6, §5, §10.1 step 4).
 * APIs whose page names no permission are absent: a denial on them names none rather than guess.
 */
export const apiPermissions: Readonly<Record<string, string>> = {
  'topapi/v2/department/listsub': 'qyapi_get_department_list',
  'topapi/v2/department/listsubid': 'qyapi_get_department_list',
  'topapi/v2/user/list': 'qyapi_get_department_member',
  'topapi/v2/user/get': 'qyapi_get_member',
  'topapi/user/listid': 'qyapi_get_member',
  'topapi/user/getbyunionid': 'qyapi_get_member',
  'topapi/v2/user/getbymobile': 'qyapi_get_member_by_mobile',
  'topapi/v2/department/create': 'qyapi_manage_addresslist',
  'topapi/v2/department/update': 'qyapi_manage_addresslist',
  'topapi/v2/department/delete': 'qyapi_manage_addresslist',
  'topapi/v2/user/create': 'qyapi_manage_addresslist',
  'topapi/v2/user/update': 'qyapi_manage_addresslist',
  'topapi/v2/user/delete': 'qyapi_manage_addresslist',
  'v1.0/contact/users/me': 'Contact.User.Read',
};

type Meaning = Exclude<DingTalkErrorCode, `dingtalk.callback_${string}`>;

/** oapi errcodes by meaning (§6.2, §4, §5; the global table `[doc:server-api-error-codes-1]`). */
const oapiMeanings: ReadonlyMap<number, Meaning> = new Map<number, Meaning>([
  [-1, 'dingtalk.unavailable'], // system busy (§6.2)
  [40014, 'dingtalk.invalid_token'],
  [42001, 'dingtalk.invalid_token'],
  [40001, 'dingtalk.invalid_token'],
  [41001, 'dingtalk.invalid_token'], // token missing (§6.2)
  [40000, 'dingtalk.invalid_token'], // 88 + sub_code "40000" "access_token is blank" (§1.1)
  [40096, 'dingtalk.invalid_credentials'], // seen live on gettoken (§1.2)
  [40089, 'dingtalk.invalid_credentials'], // the official table's variant (§1.2)
  [60011, 'dingtalk.permission_denied'],
  [43007, 'dingtalk.permission_denied'], // 需要授权 (§6.2)
  [60020, 'dingtalk.permission_denied'], // caller IP not in the app's whitelist (§6.2)
  [50002, 'dingtalk.out_of_scope'],
  [50004, 'dingtalk.out_of_scope'],
  [60003, 'dingtalk.not_found'],
  [60004, 'dingtalk.not_found'], // parent department missing (§5.1)
  [60121, 'dingtalk.not_found'],
  [33012, 'dingtalk.not_found'],
  [60111, 'dingtalk.not_found'],
  [400002, 'dingtalk.invalid_parameter'],
  [40035, 'dingtalk.invalid_parameter'],
  [40068, 'dingtalk.invalid_parameter'],
  [40069, 'dingtalk.invalid_parameter'],
  [40009, 'dingtalk.invalid_parameter'], // bad dept id (§5.2)
  [40104, 'dingtalk.invalid_parameter'], // bad mobile (§4.6)
  [60001, 'dingtalk.invalid_parameter'], // bad department name (§5.2)
  [40011, 'dingtalk.invalid_parameter'], // bad order (§5.2)
  [40031, 'dingtalk.invalid_parameter'], // bad userid list (§5.2)
  [40093, 'dingtalk.invalid_parameter'], // bad group owner (§5.2)
  [60007, 'dingtalk.invalid_parameter'], // root cannot be deleted (§5.3)
  [60010, 'dingtalk.invalid_parameter'], // loop in hierarchy (§5.2)
  [60018, 'dingtalk.invalid_parameter'], // root cannot be updated (§5.2)
  [60103, 'dingtalk.invalid_parameter'], // bad mobile (§5.4)
  [60105, 'dingtalk.invalid_parameter'], // bad email (§5.4)
  [60109, 'dingtalk.invalid_parameter'], // bad visible list (§5.2)
  [600109, 'dingtalk.invalid_parameter'], // bad visibility list (§5.1)
  [60112, 'dingtalk.invalid_parameter'], // bad name (§5.4)
  [60113, 'dingtalk.invalid_parameter'], // mobile and email both empty (§5.4)
  [60122, 'dingtalk.invalid_parameter'], // bad extattr (§5.4)
  [60123, 'dingtalk.invalid_parameter'], // bad job number (§5.4)
  [40078, 'dingtalk.invalid_auth_code'], // unknown or used login code (§6.2, §10.3)
  [40102, 'dingtalk.invalid_auth_code'], // expired login code (§6.2)
  [60102, 'dingtalk.conflict'],
  [60104, 'dingtalk.conflict'],
  [60106, 'dingtalk.conflict'],
  [60107, 'dingtalk.conflict'],
  [40100, 'dingtalk.conflict'],
  [40101, 'dingtalk.conflict'],
  [60005, 'dingtalk.conflict'], // department still has members (§5.3)
  [60006, 'dingtalk.conflict'], // department still has sub-departments (§5.3)
  [90018, 'dingtalk.rate_limited'], // per app per API QPS (§6.3)
  [90001, 'dingtalk.rate_limited'],
  [90002, 'dingtalk.rate_limited'],
  [90003, 'dingtalk.rate_limited'],
  [90004, 'dingtalk.rate_limited'],
  [90005, 'dingtalk.rate_limited'],
  [90006, 'dingtalk.rate_limited'],
  [90020, 'dingtalk.quota_exceeded'], // monthly call quota (§6.3)
]);

/** api.dingtalk.com `code`s by meaning, lower-cased: the wire mixes `InvalidAuthentication` and `invalidParameter…`. */
const apiMeanings: ReadonlyMap<string, Meaning> = new Map<string, Meaning>([
  ['invalidauthentication', 'dingtalk.invalid_token'], // §1.1, §6.2
  ['authenticationfailed.missingparameter', 'dingtalk.invalid_token'], // token header missing (§1.1)
  ['invalidclientidorsecret', 'dingtalk.invalid_credentials'], // §1.3
  ['invalid.client', 'dingtalk.invalid_credentials'], // unified token endpoint (§1.3)
  ['unauthorized.client', 'dingtalk.invalid_credentials'],
  ['forbidden.accessdenied.qpslimitforappkeyandapi', 'dingtalk.rate_limited'], // §6.3
  ['forbidden.accessdenied.qpslimitforapi', 'dingtalk.rate_limited'],
  ['forbidden.accessdenied.qpmlimitforappkeyandapi', 'dingtalk.rate_limited'],
  ['forbidden.accessdenied.accesstokenpermissiondenied', 'dingtalk.permission_denied'], // §6.2
  ['forbidden.accessdenied.ipnotinwhitelist', 'dingtalk.permission_denied'],
  ['forbidden.accessdenied.realmcontrol', 'dingtalk.permission_denied'], // exclusive security control (§11)
  ['forbidden.accessdenied.apicountlimitfororg', 'dingtalk.quota_exceeded'], // §6.3
  ['invalidparameter.user.notfound', 'dingtalk.not_found'], // §10.1 step 4
]);

const ipWhitelistHint =
  "Add this server's public IP address to the app's trusted IP list (可信IP) in DingTalk's developer console.";

function hintFor(meaning: Meaning, api: string, wireCode: string): string | undefined {
  const ipNotWhitelisted = wireCode === '60020' || wireCode.toLowerCase() === 'forbidden.accessdenied.ipnotinwhitelist';
  if (ipNotWhitelisted) return ipWhitelistHint;
  switch (meaning) {
    case 'dingtalk.permission_denied': {
      const permission = apiPermissions[api];
      return permission === undefined
        ? "Check the app's API permissions (权限管理) in DingTalk's developer console."
        : `Enable the permission ${permission} for this app in DingTalk's developer console (权限管理), then retry.`;
    }
    case 'dingtalk.out_of_scope':
      return (
        "Widen the app's address-book scope (通讯录权限范围) in DingTalk's developer console, " +
        "or narrow the binding's scope."
      );
    case 'dingtalk.invalid_credentials':
      return 'Check the AppKey (Client ID) and AppSecret (Client Secret) of the binding.';
    case 'dingtalk.ip_blocked':
      return 'DingTalk blocks an IP for 5 minutes after 10,000 calls in 20 s (§6.3); wait and lower the call rate.';
    default:
      return undefined;
  }
}

function describe(meaning: Meaning, api: string, permission: string | undefined): string {
  switch (meaning) {
    case 'dingtalk.rate_limited':
      return `DingTalk throttled ${api}`;
    case 'dingtalk.permission_denied':
      return permission === undefined
        ? `The DingTalk app may not call ${api}`
        : `The DingTalk app lacks the permission ${permission} needed by ${api}`;
    case 'dingtalk.out_of_scope':
      return `${api} asked for a user or department outside the app's address-book scope`;
    case 'dingtalk.not_found':
      return `${api}: not found in DingTalk`;
    case 'dingtalk.invalid_credentials':
      return 'DingTalk rejected the AppKey/AppSecret';
    case 'dingtalk.invalid_token':
      return `DingTalk rejected the access token on ${api}`;
    case 'dingtalk.invalid_parameter':
      return `DingTalk rejected a parameter of ${api}`;
    case 'dingtalk.invalid_auth_code':
      return `The login code given to ${api} is unknown, used or expired`;
    case 'dingtalk.conflict':
      return `${api} conflicts with what DingTalk already holds`;
    case 'dingtalk.unavailable':
      return `DingTalk is busy or unavailable (${api})`;
    case 'dingtalk.quota_exceeded':
      return `The organization's monthly DingTalk API quota is used up (${api})`;
    case 'dingtalk.ip_blocked':
      return `DingTalk blocked this server's IP address (${api})`;
    default:
      return `DingTalk ${api} failed`;
  }
}

function build(meaning: Meaning, details: DingTalkErrorDetails, wireMessage: string | undefined): DingTalkError {
  const permission = meaning === 'dingtalk.permission_denied' ? apiPermissions[details.api] : undefined;
  const wireCode = String(details.subCode ?? details.errcode ?? details.httpStatus ?? '');
  const hint = hintFor(meaning, details.api, wireCode);
  const said = wireMessage === undefined || wireMessage === '' ? '' : ` ${truncate(wireMessage)}`;
  const advice = hint === undefined ? '' : `. ${hint}`;
  const message = `${describe(meaning, details.api, permission)} (${wireCode}${said})${advice}`;
  return new DingTalkError(meaning, message, {
    ...details,
    ...(permission === undefined ? {} : { permission }),
    ...(hint === undefined ? {} : { hint }),
  });
}

function truncate(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** An oapi failure body (errcode ≠ 0). */
export interface OapiFailure {
  errcode: number;
  errmsg?: string | undefined;
  sub_code?: string | undefined;
  sub_msg?: string | undefined;
  request_id?: string | undefined;
}

/**
 * Maps an oapi failure body. `errcode 88` (gateway/auth wrapper, §2) is read through its string `sub_code`; on
 * `gettoken`, 40001 means a wrong secret rather than a bad token (§6.2).
 */
export function errorFromOapi(api: string, httpStatus: number, body: OapiFailure): DingTalkError {
  const subCode = body.sub_code;
  const effective = effectiveErrcode(body.errcode, subCode);
  let meaning = oapiMeanings.get(effective) ?? 'dingtalk.api_error';
  if (api === 'gettoken' && effective === 40001) meaning = 'dingtalk.invalid_credentials';
  const details: DingTalkErrorDetails = { api, errcode: body.errcode, httpStatus };
  if (subCode !== undefined) details.subCode = subCode;
  if (body.request_id !== undefined) details.requestId = body.request_id;
  return build(meaning, details, body.sub_msg ?? body.errmsg);
}

/** The errcode that says what happened: an `errcode 88` wrapper's numeric `sub_code` (§2), else the errcode. */
export function effectiveErrcode(errcode: number, subCode: string | undefined): number {
  return errcode === 88 && subCode !== undefined && /^-?\d+$/.test(subCode) ? Number(subCode) : errcode;
}

/** An api.dingtalk.com failure body (HTTP ≥ 400); any part may be missing. */
export interface ApiFailure {
  code?: string | undefined;
  message?: string | undefined;
  requestid?: string | undefined;
}

/** Maps an api.dingtalk.com failure: first by `code` (§6.2, §6.3), then by HTTP status. */
export function errorFromApi(api: string, httpStatus: number, body: ApiFailure): DingTalkError {
  const code = body.code;
  const lower = code?.toLowerCase();
  let meaning = lower === undefined ? undefined : apiMeanings.get(lower);
  if (meaning === undefined && lower?.startsWith('invalidparameter') === true) {
    // §10.1 step 3 / §13.8: DingTalk's codes for a bad, used or expired login code are unconfirmed. The exchange's
    // only parameters besides the credentials (which have their own code) are the code or refresh token, so any
    // invalidParameter… there means the person must sign in again, not that our request was malformed.
    meaning = api === 'v1.0/oauth2/userAccessToken' ? 'dingtalk.invalid_auth_code' : 'dingtalk.invalid_parameter';
  }
  if (meaning === undefined) meaning = meaningOfStatus(httpStatus);
  const details: DingTalkErrorDetails = { api, httpStatus };
  if (code !== undefined) details.errcode = code;
  if (body.requestid !== undefined) details.requestId = body.requestid;
  return build(meaning, details, body.message);
}

function meaningOfStatus(httpStatus: number): Meaning {
  if (httpStatus >= 500) return 'dingtalk.unavailable';
  if (httpStatus === 429) return 'dingtalk.rate_limited';
  return 'dingtalk.api_error';
}

/** The per-IP block (§6.3): JSON `{"status":1111,…}` or a non-JSON page. */
export function ipBlockedError(api: string, httpStatus: number): DingTalkError {
  return build('dingtalk.ip_blocked', { api, httpStatus, errcode: 1111 }, undefined);
}

/** An HTTP error status whose body says nothing usable (an HTML gateway page, an empty body). */
export function errorFromHttpStatus(api: string, httpStatus: number): DingTalkError {
  return build(meaningOfStatus(httpStatus), { api, httpStatus }, undefined);
}

/** A body that is not what the API promises; keeps the zod issues when there are some. */
export function badResponseError(
  api: string,
  httpStatus: number,
  reason: string,
  issues?: readonly z.core.$ZodIssue[],
): DingTalkError {
  const details: DingTalkErrorDetails = { api, httpStatus };
  if (issues !== undefined) details.issues = issues;
  return new DingTalkError('dingtalk.bad_response', `DingTalk ${api} answered an unexpected body: ${reason}`, details);
}

/** A transport failure (DNS, refused or reset connection): `fetch` rejected before a response arrived. */
export function networkError(api: string, cause: unknown): DingTalkError {
  const networkCode = transportCode(cause) ?? 'fetch_failed';
  return new DingTalkError(
    'dingtalk.unavailable',
    `Could not reach DingTalk for ${api} (${networkCode})`,
    { api, networkError: networkCode },
    cause,
  );
}

/** One attempt ran out of its time budget. */
export function timeoutError(api: string, timeoutMs: number): DingTalkError {
  return new DingTalkError('dingtalk.timeout', `DingTalk did not answer ${api} within ${timeoutMs} ms`, { api });
}

/** undici puts the system error code on `cause` (`TypeError: fetch failed` → `cause.code`). */
function transportCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return undefined;
}
