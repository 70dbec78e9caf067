/**
 * zod schemas of every DingTalk response the client reads (STYLE.md §3), with the types derived from them.
 *
 * Field names are kept exactly as on the wire: snake_case on oapi, camelCase on api.dingtalk.com (§1.1).
 * Types follow the doc tables and the official SDK models, not the doc examples that show booleans and numbers as
 * strings (§2: "Trust the types"). Fields a page says may be absent are optional. User and department records are
 * loose objects: fields this schema does not name (custom or newer ones) pass through, typed `unknown`, so the
 * field mapping can still reach them.
 */
import { z } from 'zod';

/** An oapi answer without `result` (writes, §5.2): `{errcode: 0, errmsg, request_id}`. */
export const oapiOkSchema = z.object({
  errcode: z.literal(0),
  errmsg: z.string().optional(),
  request_id: z.string().optional(),
});

/** The oapi success envelope around `result` (§2): `{errcode: 0, errmsg, result, request_id}`. */
export function oapiResult<T extends z.ZodType>(result: T) {
  return oapiOkSchema.extend({ result });
}

/** Enough of an oapi body to read its outcome (§2, §6.1); `sub_code` is a string on the wire. */
export const oapiStatusSchema = z.object({
  errcode: z.number(),
  errmsg: z.string().optional(),
  sub_code: z.union([z.string(), z.number().transform(String)]).optional(),
  sub_msg: z.string().optional(),
  request_id: z.string().optional(),
});

/** api.dingtalk.com error body (§1.1, §6.1); every part optional because gateways answer less. */
export const apiFailureSchema = z.object({
  code: z.string().optional(),
  message: z.string().optional(),
  requestid: z.string().optional(),
});

/** The per-IP block answer (§6.3): `{"status":1111,"wait":5,"source":"x5","punish":"deny","uuid":"…"}`. */
export const ipBlockSchema = z.object({ status: z.literal(1111) });

// ── tokens (§1.2, §1.3) ─────────────────────────────────────────────────────────────────────────────────────────

export const gettokenSchema = z.object({
  errcode: z.literal(0),
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
});

export const accessTokenSchema = z.object({
  accessToken: z.string().min(1),
  expireIn: z.number().positive(),
});

// ── departments (§3) ────────────────────────────────────────────────────────────────────────────────────────────

/** One entry of `topapi/v2/department/listsub` (§3.1; the extra fields are from the SDK model). */
export const departmentSchema = z.looseObject({
  dept_id: z.number(),
  name: z.string(),
  parent_id: z.number(),
  create_dept_group: z.boolean().optional(),
  auto_add_user: z.boolean().optional(),
  ext: z.string().optional(),
  from_union_org: z.boolean().optional(),
  source_identifier: z.string().optional(),
  tags: z.string().optional(),
});
export type Department = z.infer<typeof departmentSchema>;

/** `topapi/v2/department/get` result (§3.3). The root's `parent_id` is UNCONFIRMED (§13.5), so optional. */
export const departmentDetailSchema = departmentSchema.extend({
  parent_id: z.number().optional(),
  order: z.number().optional(),
  auto_approve_apply: z.boolean().optional(),
  dept_group_chat_id: z.string().optional(),
  group_contain_sub_dept: z.boolean().optional(),
  org_dept_owner: z.string().optional(),
  dept_manager_userid_list: z.array(z.string()).optional(),
  outer_dept: z.boolean().optional(),
  outer_permit_depts: z.array(z.number()).optional(),
  outer_permit_users: z.array(z.string()).optional(),
  hide_dept: z.boolean().optional(),
  dept_permits: z.array(z.number()).optional(),
  user_permits: z.array(z.string()).optional(),
  code: z.string().optional(),
  member_count: z.number().optional(),
  owning_member_count: z.number().optional(),
  // §3.3: the doc's table and example disagree on the key names (UNCONFIRMED, §13.7): accept either.
  union_dept_ext: z
    .looseObject({
      deptId: z.union([z.string(), z.number()]).optional(),
      corpId: z.string().optional(),
      dept_id: z.union([z.string(), z.number()]).optional(),
      corp_id: z.string().optional(),
    })
    .optional(),
  brief: z.string().optional(),
  extention: z.string().optional(),
  telephone: z.string().optional(),
});
export type DepartmentDetail = z.infer<typeof departmentDetailSchema>;

export const deptIdListSchema = z.object({ dept_id_list: z.array(z.number()) });
export const parentIdListSchema = z.object({ parent_id_list: z.array(z.number()) });
export const parentListSchema = z.object({
  parent_list: z.array(z.object({ parent_dept_id_list: z.array(z.number()) })),
});
export const createdDepartmentSchema = z.object({ dept_id: z.number() });
export type CreatedDepartment = z.infer<typeof createdDepartmentSchema>;

// ── users (§4) ──────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Fields shared by `v2/user/list` entries and `v2/user/get` (§4.3, §4.4). Required: what the pages list without
 * condition. Optional: what appears only with a permission or a value (§4.3 presence rules), the flags, and the
 * SDK-only fields.
 */
const userFields = {
  userid: z.string(),
  unionid: z.string(),
  name: z.string(),
  avatar: z.string().optional(),
  state_code: z.string().optional(),
  mobile: z.string().optional(),
  hide_mobile: z.boolean().optional(),
  telephone: z.string().optional(),
  job_number: z.string().optional(),
  title: z.string().optional(),
  email: z.string().optional(),
  org_email: z.string().optional(),
  work_place: z.string().optional(),
  remark: z.string().optional(),
  dept_id_list: z.array(z.number()),
  extension: z.string().optional(),
  hired_date: z.number().optional(),
  active: z.boolean().optional(),
  admin: z.boolean().optional(),
  boss: z.boolean().optional(),
  exclusive_account: z.boolean().optional(),
  exclusive_account_type: z.string().optional(),
  login_id: z.string().optional(),
};

/** One entry of `topapi/v2/user/list` (§4.3). */
export const listUserSchema = z.looseObject({
  ...userFields,
  dept_order: z.number().optional(),
  leader: z.boolean().optional(),
});
export type ListUser = z.infer<typeof listUserSchema>;

/** A `topapi/v2/user/list` page (§4.3): `next_cursor` is absent on the last page. */
export const userListPageSchema = z.object({
  has_more: z.boolean(),
  next_cursor: z.number().optional(),
  list: z.array(listUserSchema),
});
export type UserListPage = z.infer<typeof userListPageSchema>;

/** `topapi/v2/user/get` result (§4.4). */
export const userDetailSchema = z.looseObject({
  ...userFields,
  manager_userid: z.string().optional(),
  org_email_type: z.string().optional(),
  dept_order_list: z.array(z.object({ dept_id: z.number(), order: z.number() })).optional(),
  leader_in_dept: z.array(z.object({ dept_id: z.number(), leader: z.boolean() })).optional(),
  dept_position_list: z
    .array(
      z.looseObject({
        dept_id: z.number(),
        is_main: z.boolean().optional(),
        title: z.string().optional(),
        work_place: z.string().optional(),
      }),
    )
    .optional(),
  extension_i18n: z.unknown().optional(),
  real_authed: z.boolean().optional(),
  senior: z.boolean().optional(),
  role_list: z.array(z.object({ id: z.number(), name: z.string(), group_name: z.string().optional() })).optional(),
  union_emp_ext: z
    .looseObject({
      userid: z.string().optional(),
      corp_id: z.string().optional(),
      union_emp_map_list: z.array(z.object({ userid: z.string(), corp_id: z.string() })).optional(),
    })
    .optional(),
});
export type UserDetail = z.infer<typeof userDetailSchema>;

export const userIdListSchema = z.object({ userid_list: z.array(z.string()) });

/** `topapi/user/getbyunionid` result (§4.5): `contact_type` 0 = employee, 1 = external contact. */
export const userByUnionIdSchema = z.object({ userid: z.string(), contact_type: z.number().optional() });
export type UserByUnionId = z.infer<typeof userByUnionIdSchema>;

export const userByMobileSchema = z.object({ userid: z.string() });
export const userCountSchema = z.object({ count: z.number() });

/** `topapi/v2/user/create` result (§5.4): note the camelCase `unionId`. */
export const createdUserSchema = z.object({ userid: z.string(), unionId: z.string().optional() });
export type CreatedUser = z.infer<typeof createdUserSchema>;

/** `auth/scopes` (§3.6): top-level fields, no `result` wrapper. `authed_dept: [1]` means the whole org. */
export const authScopesSchema = z.object({
  errcode: z.literal(0),
  auth_org_scopes: z.object({
    authed_dept: z.array(z.number()),
    authed_user: z.array(z.string()),
  }),
  auth_user_field: z.array(z.string()).optional(),
  condition_field: z.array(z.unknown()).optional(),
});
export type AuthScopes = Omit<z.infer<typeof authScopesSchema>, 'errcode'>;

// ── login (§10) ─────────────────────────────────────────────────────────────────────────────────────────────────

/** `topapi/v2/user/getuserinfo` result (§10.3): who opened the app from the workbench. */
export const codeUserInfoSchema = z.looseObject({
  userid: z.string(),
  unionid: z.string().optional(),
  name: z.string().optional(),
  device_id: z.string().optional(),
  sys: z.boolean().optional(),
  sys_level: z.number().optional(),
  associated_unionid: z.string().optional(),
});
export type CodeUserInfo = z.infer<typeof codeUserInfoSchema>;

/** `v1.0/oauth2/userAccessToken` (§10.1 step 3): the user token (7200 s) and the refresh token (30 days). */
export const userAccessTokenSchema = z.object({
  accessToken: z.string().min(1),
  refreshToken: z.string().optional(),
  expireIn: z.number(),
  corpId: z.string().optional(),
});
export type UserAccessToken = z.infer<typeof userAccessTokenSchema>;

/** `v1.0/contact/users/me` (§10.1 step 4): no userid here; map `unionId` with `getByUnionId`. */
export const contactMeSchema = z.looseObject({
  unionId: z.string(),
  nick: z.string().optional(),
  avatarUrl: z.string().optional(),
  mobile: z.string().optional(),
  openId: z.string().optional(),
  email: z.string().optional(),
  stateCode: z.string().optional(),
  visitor: z.boolean().optional(), // read by JustAuth, undocumented (§13.13)
});
export type ContactMe = z.infer<typeof contactMeSchema>;
