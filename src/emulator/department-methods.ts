/**
 * Department readers (§3.1–§3.5). `listsubid` and `listparentbydept` are not limited by the app's address-book
 * scope (§3.2, §3.4); `listsub` and `get` are (50004). `listparentbyuser` is not either: the reference says
 * nothing, and it reveals no more than `listparentbydept`.
 */
import { z } from 'zod';
import { dingTalkError } from './dingtalk-error.ts';
import { deptInScope, existingDept, oapiMethod, type MethodContext } from './oapi-method.ts';
import { intParam, stringParam } from './oapi-params.ts';
import { membershipIn } from './org-store.ts';
import { ROOT_DEPT_ID, type OrgDepartment } from './org-types.ts';

const language = stringParam({ max: 16 }).optional();

/** §3.1 result entry. */
function subDepartmentView(dept: OrgDepartment): Record<string, unknown> {
  const out: Record<string, unknown> = {
    dept_id: dept.deptId,
    name: dept.name,
    parent_id: dept.parentId,
    create_dept_group: dept.createDeptGroup,
    auto_add_user: dept.autoAddUser,
    from_union_org: false,
  };
  if (dept.sourceIdentifier) out.source_identifier = dept.sourceIdentifier;
  return out;
}

export const listSub = oapiMethod({
  api: 'topapi/v2/department/listsub',
  permission: 'qyapi_get_department_list',
  // §3.1 marks dept_id optional; the emulator reads an absent one as the root (UNCONFIRMED, §13.5).
  params: z.object({ dept_id: intParam({ min: 1 }).optional(), language }),
  handle: ({ dept_id }, context) => ({
    result: deptInScope(context, dept_id ?? ROOT_DEPT_ID).children.map(subDepartmentView),
  }),
});

export const listSubId = oapiMethod({
  api: 'topapi/v2/department/listsubid',
  permission: 'qyapi_get_department_list',
  params: z.object({ dept_id: intParam({ min: 1 }) }),
  handle: ({ dept_id }, context) => ({
    result: { dept_id_list: existingDept(context, dept_id).children.map((c) => c.deptId) },
  }),
});

export const getDepartment = oapiMethod({
  api: 'topapi/v2/department/get',
  permission: 'qyapi_get_department_list',
  params: z.object({ dept_id: intParam({ min: 1 }), language }),
  handle: ({ dept_id }, context) => ({ result: departmentDetailView(deptInScope(context, dept_id), context) }),
});

/** §3.3. The root has no `parent_id` (UNCONFIRMED whether absent or 0, §13.5; absent chosen). */
function departmentDetailView(dept: OrgDepartment, context: MethodContext): Record<string, unknown> {
  const out: Record<string, unknown> = { dept_id: dept.deptId, name: dept.name };
  if (dept.deptId !== ROOT_DEPT_ID) out.parent_id = dept.parentId;
  out.order = dept.order;
  if (dept.sourceIdentifier) out.source_identifier = dept.sourceIdentifier;
  out.create_dept_group = dept.createDeptGroup;
  out.auto_add_user = dept.autoAddUser;
  out.auto_approve_apply = dept.autoApproveApply;
  if (dept.groupChatId) out.dept_group_chat_id = dept.groupChatId;
  out.group_contain_sub_dept = false;
  if (dept.orgDeptOwner) out.org_dept_owner = dept.orgDeptOwner;
  const managers = dept.members.filter((u) => membershipIn(u, dept.deptId).leader).map((u) => u.userid);
  if (managers.length > 0) out.dept_manager_userid_list = managers;
  out.outer_dept = dept.outerDept;
  out.hide_dept = dept.hideDept;
  out.from_union_org = false;
  if (dept.code) out.code = dept.code;
  out.member_count = context.org.memberCount(dept.deptId);
  out.owning_member_count = dept.members.length;
  return out;
}

export const listParentByDept = oapiMethod({
  api: 'topapi/v2/department/listparentbydept',
  permission: 'qyapi_get_department_list',
  params: z.object({ dept_id: intParam({ min: 1 }) }),
  handle: ({ dept_id }, context) => ({
    result: { parent_id_list: context.org.ancestors(existingDept(context, dept_id).deptId) },
  }),
});

export const listParentByUser = oapiMethod({
  api: 'topapi/v2/department/listparentbyuser',
  permission: 'qyapi_get_department_list',
  params: z.object({ userid: stringParam({ min: 1, max: 64 }) }),
  codes: { userid: 33012 },
  handle: ({ userid }, context) => {
    const user = context.org.user(userid);
    if (!user) throw dingTalkError(33012);
    return {
      result: { parent_list: user.memberships.map((m) => ({ parent_dept_id_list: context.org.ancestors(m.deptId) })) },
    };
  },
});
