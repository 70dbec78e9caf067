/**
 * User readers (§4.1–§4.7). `listid` and `count` are not limited by the app's scope (§4.1, §4.7); the paged lists
 * are (50004 for a department outside it), and so are single-person lookups (50002).
 *
 * Paging: `cursor` is an offset into the department's members in the requested order; `next_cursor` is omitted on
 * the last page (as the §4.2 example shows). The default order (`custom`) is the department's display order, so
 * pages are stable while the department does not change.
 */
import { z } from 'zod';
import { dingTalkError } from './dingtalk-error.ts';
import { deptInScope, existingDept, oapiMethod, requireUserInScope, type MethodContext } from './oapi-method.ts';
import { boolParam, intParam, stringParam } from './oapi-params.ts';
import { membershipIn } from './org-store.ts';
import type { OrgDepartment, OrgUser } from './org-types.ts';
import { listUserView, userDetailView } from './user-view.ts';

const ORDER_FIELDS = ['entry_asc', 'entry_desc', 'modify_asc', 'modify_desc', 'custom'] as const;
type OrderField = (typeof ORDER_FIELDS)[number];

const pageParams = z.object({
  dept_id: intParam({ min: 1 }),
  cursor: intParam({ min: 0 }),
  // §4.2/§4.3: at most 100 per page (the SDK validates 1..100).
  size: intParam({ min: 1, max: 100 }),
  order_field: z.preprocess((v) => (v === '' ? undefined : v), z.enum(ORDER_FIELDS)).optional(),
  contain_access_limit: boolParam().optional(),
  language: stringParam({ max: 16 }).optional(),
});

interface Page {
  members: OrgUser[];
  hasMore: boolean;
  nextCursor: number;
}

function pageOf(dept: OrgDepartment, cursor: number, size: number, orderField: OrderField | undefined): Page {
  const ordered = sortMembers(dept, orderField ?? 'custom');
  const members = ordered.slice(cursor, cursor + size);
  const nextCursor = cursor + members.length;
  return { members, hasMore: nextCursor < ordered.length, nextCursor };
}

/** Ties are broken by userid so that every order is total and paging never repeats or skips anyone. */
function sortMembers(dept: OrgDepartment, orderField: OrderField): OrgUser[] {
  if (orderField === 'custom') return dept.members;
  const key = orderField.startsWith('entry')
    ? (u: OrgUser) => membershipIn(u, dept.deptId).joinedAt
    : (u: OrgUser) => u.modifiedAt;
  const sign = orderField.endsWith('desc') ? -1 : 1;
  return [...dept.members].sort((a, b) => sign * (key(a) - key(b)) || (a.userid < b.userid ? -1 : 1));
}

function pageResult(page: Page, list: unknown[]): Record<string, unknown> {
  return page.hasMore ? { has_more: true, next_cursor: page.nextCursor, list } : { has_more: false, list };
}

export const listUserIds = oapiMethod({
  api: 'topapi/user/listid',
  permission: 'qyapi_get_member',
  params: z.object({ dept_id: intParam({ min: 1 }) }),
  handle: ({ dept_id }, context) => ({
    result: { userid_list: existingDept(context, dept_id).members.map((u) => u.userid) },
  }),
});

export const listSimple = oapiMethod({
  api: 'topapi/user/listsimple',
  permission: 'qyapi_get_department_member',
  params: pageParams,
  // §4.2: 40069 bad size, 40068 bad offset.
  codes: { size: 40069, cursor: 40068 },
  handle: (input, context) => {
    const page = pageOf(deptInScope(context, input.dept_id), input.cursor, input.size, input.order_field);
    return { result: pageResult(page, page.members.map((u) => ({ userid: u.userid, name: u.name }))) };
  },
});

export const listUsers = oapiMethod({
  api: 'topapi/v2/user/list',
  permission: 'qyapi_get_department_member',
  params: pageParams,
  // §4.3: 40035 for a bad dept_id, cursor, size or order_field.
  codes: { dept_id: 40035, cursor: 40035, size: 40035, order_field: 40035 },
  handle: (input, context) => {
    const dept = deptInScope(context, input.dept_id);
    const page = pageOf(dept, input.cursor, input.size, input.order_field);
    return { result: pageResult(page, page.members.map((u) => listUserView(u, dept.deptId, context.app))) };
  },
});

export const getUser = oapiMethod({
  api: 'topapi/v2/user/get',
  permission: 'qyapi_get_member',
  params: z.object({ userid: stringParam({ min: 1, max: 64 }), language: stringParam({ max: 16 }).optional() }),
  // §4.4 lists 33012 for an unknown userid (which code a deleted user gets is UNCONFIRMED, §13.6).
  codes: { userid: 33012 },
  handle: ({ userid }, context) => {
    const user = context.org.user(userid);
    if (!user) throw dingTalkError(33012);
    return { result: userDetailView(requireUserInScope(context, user), context.app, context.org) };
  },
});

export const getByUnionid = oapiMethod({
  api: 'topapi/user/getbyunionid',
  permission: 'qyapi_get_member',
  params: z.object({ unionid: stringParam({ min: 1, max: 128 }) }),
  handle: ({ unionid }, context) => {
    const user = context.org.userByUnionid(unionid);
    if (!user) throw dingTalkError(60121);
    return { result: { contact_type: 0, userid: requireUserInScope(context, user).userid } };
  },
});

export const getByMobile = oapiMethod({
  api: 'topapi/v2/user/getbymobile',
  permission: 'qyapi_get_member_by_mobile',
  params: z.object({ mobile: stringParam({ min: 1, max: 32 }) }),
  handle: ({ mobile }, context) => {
    const parsed = parseMobile(mobile);
    if (!parsed) throw dingTalkError(40104);
    const user = context.org.userByMobile(parsed.stateCode, parsed.mobile);
    if (!user) throw dingTalkError(60121);
    return { result: { userid: requireUserInScope(context, user).userid } };
  },
});

export const countUsers = oapiMethod({
  api: 'topapi/user/count',
  permission: 'qyapi_get_member',
  params: z.object({ only_active: boolParam() }),
  handle: ({ only_active }, context: MethodContext) => ({ result: { count: context.org.countUsers(only_active) } }),
});

/** `13800000000` (mainland) or `+852-12345678` (§5.4); undefined when neither. */
export function parseMobile(text: string): { stateCode: string; mobile: string } | undefined {
  const value = text.trim();
  const international = /^\+(\d{1,4})-(\d{4,20})$/.exec(value);
  if (international) return { stateCode: international[1] as string, mobile: international[2] as string };
  return /^\d{5,20}$/.test(value) ? { stateCode: '86', mobile: value } : undefined;
}
