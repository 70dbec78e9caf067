/**
 * One oapi method's whole contract in one object (STYLE.md §4): its API name (the path, also the key of call
 * counters and rate windows), the permission it needs, its parameters as a zod object, per-field error codes, and
 * a handler that receives parsed input and returns the body fields to add to the success envelope.
 *
 * The route module runs every method through the same steps: count → authenticate → rate window and faults →
 * permission → parameters → handler.
 *
 * @example
 * export const listSubIds = oapiMethod({
 *   api: 'topapi/v2/department/listsubid',
 *   permission: 'qyapi_get_department_list',
 *   params: z.object({ dept_id: intParam({ min: 1 }) }),
 *   handle: ({ dept_id }, ctx) => ({ result: { dept_id_list: existingDept(ctx, dept_id).children.map((c) => c.deptId) } }),
 * });
 */
import type { z } from 'zod';
import { scopeCoversDept, scopeCoversUser, type EmulatorApp, type Permission } from './app-registry.ts';
import { dingTalkError } from './dingtalk-error.ts';
import type { OapiBody } from './oapi-envelope.ts';
import { parseParams, type ParamCodes } from './oapi-params.ts';
import type { OrgStore } from './org-store.ts';
import type { OrgDepartment, OrgUser } from './org-types.ts';

export interface MethodContext {
  org: OrgStore;
  /** The calling app (from the access token). */
  app: EmulatorApp;
}

export interface OapiMethod {
  api: string;
  permission: Permission | undefined;
  /** May be async: `call_back/register_call_back` waits for its check_url push (§7.5). */
  run(raw: Record<string, unknown>, context: MethodContext): OapiBody | Promise<OapiBody>;
}

export function oapiMethod<S extends z.ZodType>(spec: {
  api: string;
  permission?: Permission;
  params: S;
  codes?: ParamCodes;
  handle(input: z.output<S>, context: MethodContext): OapiBody | Promise<OapiBody>;
}): OapiMethod {
  return {
    api: spec.api,
    permission: spec.permission,
    run: (raw, context) => spec.handle(parseParams(spec.params, raw, spec.codes), context),
  };
}

/** The department, or 60003. */
export function existingDept(context: MethodContext, deptId: number): OrgDepartment {
  const dept = context.org.department(deptId);
  if (!dept) throw dingTalkError(60003);
  return dept;
}

/** The department if the app's address-book scope covers it: 60003 when missing, 50004 when outside (§4.3). */
export function deptInScope(context: MethodContext, deptId: number): OrgDepartment {
  const dept = existingDept(context, deptId);
  if (!scopeCoversDept(context.app.scope, context.org, deptId)) throw dingTalkError(50004);
  return dept;
}

/** Fails with 50002 when the person is outside the app's scope. */
export function requireUserInScope(context: MethodContext, user: OrgUser): OrgUser {
  if (!scopeCoversUser(context.app.scope, context.org, user)) throw dingTalkError(50002);
  return user;
}

/** Fails with 50004 for any existing department outside the app's scope (missing ones are the store's 60003). */
export function requireDeptsInScope(context: MethodContext, deptIds: readonly number[]): void {
  for (const deptId of deptIds) {
    if (context.org.department(deptId) && !scopeCoversDept(context.app.scope, context.org, deptId)) {
      throw dingTalkError(50004);
    }
  }
}
