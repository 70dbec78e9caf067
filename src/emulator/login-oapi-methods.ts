/**
 * Workbench login ("免登", §10.3) on the oapi family: the backend trades the code from `dd.requestAuthCode` /
 * `dd.getAuthCode` for the person, with the *app's* token.
 *
 * - `POST topapi/v2/user/getuserinfo {code}` → `result: {userid, unionid, name, device_id, sys, sys_level}`;
 * - `GET user/getuserinfo?access_token&code` (legacy) → `{userid, name, deviceId, is_sys, sys_level}` at the top.
 *
 * A code is valid 5 minutes and usable once: unknown or used → 40078 "不存在的临时授权码", expired → 40102 (§6.2).
 * A code asked for one app (`POST /_emulator/workbench/code {clientId}`) is unknown to the others. Both methods need
 * no permission and are not limited by the address-book scope.
 *
 * @example
 * registerOapiRoutes(app, context, loginOapiMethods(context.login, clock));
 */
import { z } from 'zod';
import type { Clock } from '../core/index.ts';
import { dingTalkError } from './dingtalk-error.ts';
import type { LoginState } from './login-state.ts';
import { oapiMethod, type MethodContext, type OapiMethod } from './oapi-method.ts';
import { stringParam } from './oapi-params.ts';
import type { OrgUser } from './org-types.ts';

const codeParams = z.object({ code: stringParam({ min: 1, max: 512 }) });

/** The doc names 40102 "expired code" without its message (§6.2); this one says just that. */
const UNKNOWN_CODE = '不存在的临时授权码';
const EXPIRED_CODE = '临时授权码已过期';

export function loginOapiMethods(login: LoginState, clock: Clock): OapiMethod[] {
  return [
    oapiMethod({
      api: 'topapi/v2/user/getuserinfo',
      params: codeParams,
      handle: ({ code }, context) => {
        const { user, deviceId } = consume(login, clock, code, context);
        // `associated_unionid` is only for people of linked organizations, which the emulator has none of.
        const result = { userid: user.userid, unionid: user.unionid, name: user.name, device_id: deviceId, sys: user.admin, sys_level: sysLevel(user) };
        return { result };
      },
    }),
    oapiMethod({
      api: 'user/getuserinfo',
      params: codeParams,
      handle: ({ code }, context) => {
        const { user, deviceId } = consume(login, clock, code, context);
        return { userid: user.userid, name: user.name, deviceId, is_sys: user.admin, sys_level: sysLevel(user) };
      },
    }),
  ];
}

/** Spends a valid code of this app and returns its person; throws 40078 / 40102 / 60121. */
function consume(login: LoginState, clock: Clock, code: string, context: MethodContext): { user: OrgUser; deviceId: string } {
  const found = login.workbenchCodes.peek(code, clock.now());
  if (found.kind === 'unknown') throw dingTalkError(40078, UNKNOWN_CODE);
  const { clientId, userid, deviceId } = found.value;
  if (clientId !== undefined && clientId !== context.app.appKey) throw dingTalkError(40078, UNKNOWN_CODE);
  if (found.kind === 'expired') throw dingTalkError(40102, EXPIRED_CODE);
  login.workbenchCodes.spend(code);
  // The person may have left between the code and its use.
  const user = context.org.user(userid);
  if (!user) throw dingTalkError(60121);
  return { user, deviceId };
}

/**
 * §10.3 `sys_level`: 1 main admin, 2 sub-admin, 100 boss, 0 other. The organization knows admins and bosses only;
 * a boss who is an admin stands for the main admin (the founder usually is both).
 */
function sysLevel(user: OrgUser): number {
  if (user.admin) return user.boss ? 1 : 2;
  return user.boss ? 100 : 0;
}
