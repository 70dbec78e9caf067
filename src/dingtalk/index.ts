/**
 * The DingTalk client, its error vocabulary, and callback crypto: the only face of `src/dingtalk/`.
 *
 * @example
 * import { createDingTalkClient, isDingTalkError } from '../dingtalk/index.ts';
 * const client = createDingTalkClient({ credentials: { appKey, appSecret }, apiBase: emulatorUrl });
 * for await (const page of client.users.listAll(1)) console.log(page.list.length);
 */
export {
  createDingTalkClient,
  dingTalkBaseUrls,
  type DingTalkClient,
  type DingTalkClientOptions,
} from './dingtalk-client.ts';
export type { DepartmentsApi, DepartmentCreateInput, DepartmentUpdateInput, Language } from './departments-api.ts';
export type { UsersApi, UserCreateInput, UserUpdateInput, UserListQuery, UserOrderField } from './users-api.ts';
export type { CorpVerdict } from './corp-token.ts';
export type { CallbackApi, FailedCallbackResult } from './callback-api.ts';
export type { OauthApi, AuthorizeUrlInput, UserTokenGrant } from './oauth-api.ts';
export type { BaseUrls, CallOptions } from './dingtalk-transport.ts';
export type { CallInfo, CallOutcome, DingTalkCallStats } from './call-stats.ts';
export type { RateLimitOptions } from './rate-limiter.ts';
export type { RetryOptions } from './retry-policy.ts';
export {
  DingTalkError,
  isDingTalkError,
  apiPermissions,
  dingTalkErrorCodes,
  type DingTalkErrorCode,
  type DingTalkErrorDetails,
} from './dingtalk-errors.ts';
export type {
  AuthScopes,
  CodeUserInfo,
  ContactMe,
  CreatedDepartment,
  CreatedUser,
  Department,
  DepartmentDetail,
  ListUser,
  UserAccessToken,
  UserByUnionId,
  UserDetail,
  UserListPage,
} from './schemas.ts';
export {
  createCallbackCrypto,
  type CallbackCrypto,
  type CallbackCryptoOptions,
  type CallbackQuery,
  type CallbackReply,
  type VerifiedCallback,
} from './callback-crypto.ts';
