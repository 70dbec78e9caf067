/**
 * Department writers (§5.1–§5.3), permission `qyapi_manage_addresslist`. The org rules (name, parent, loops, root,
 * members) live in the store; this file reads parameters and keeps writes inside the app's scope (50004).
 */
import { z } from 'zod';
import { dingTalkError } from './dingtalk-error.ts';
import { deptInScope, oapiMethod, requireDeptsInScope, type MethodContext } from './oapi-method.ts';
import { boolParam, intParam, stringListParam, stringParam } from './oapi-params.ts';

const flags = {
  create_dept_group: boolParam().optional(),
  auto_approve_apply: boolParam().optional(),
  hide_dept: boolParam().optional(),
  outer_dept: boolParam().optional(),
};

/** 60004 for a missing parent before the scope check, so a stranger's id is not confirmed to exist. */
function parentInScope(context: MethodContext, parentId: number): void {
  if (!context.org.department(parentId)) throw dingTalkError(60004);
  requireDeptsInScope(context, [parentId]);
}

export const createDepartment = oapiMethod({
  api: 'topapi/v2/department/create',
  permission: 'qyapi_manage_addresslist',
  params: z.object({
    name: stringParam({ min: 1, max: 64 }),
    parent_id: intParam({ min: 1 }),
    order: intParam().optional(),
    source_identifier: stringParam({ max: 100 }).optional(),
    ...flags,
  }),
  codes: { name: 60001 },
  handle: (input, context) => {
    parentInScope(context, input.parent_id);
    const dept = context.org.createDepartment({
      name: input.name,
      parentId: input.parent_id,
      order: input.order,
      sourceIdentifier: input.source_identifier,
      createDeptGroup: input.create_dept_group,
      autoApproveApply: input.auto_approve_apply,
      hideDept: input.hide_dept,
      outerDept: input.outer_dept,
    });
    return { result: { dept_id: dept.deptId } };
  },
});

export const updateDepartment = oapiMethod({
  api: 'topapi/v2/department/update',
  permission: 'qyapi_manage_addresslist',
  params: z.object({
    dept_id: intParam({ min: 1 }),
    parent_id: intParam({ min: 1 }).optional(),
    name: stringParam({ min: 1, max: 64 }).optional(),
    order: intParam().optional(),
    source_identifier: stringParam({ max: 100 }).optional(),
    code: stringParam({ max: 30 }).optional(),
    auto_add_user: boolParam().optional(),
    dept_manager_userid_list: stringListParam().optional(),
    force_update_fields: stringListParam(10).optional(),
    org_dept_owner: stringParam({ max: 64 }).optional(),
    language: stringParam({ max: 16 }).optional(),
    ...flags,
  }),
  // §5.2: 40009 bad dept id, 60001 bad name, 40011 bad order.
  codes: { dept_id: 40009, name: 60001, order: 40011 },
  handle: (input, context) => {
    if (context.org.department(input.dept_id)) deptInScope(context, input.dept_id);
    if (input.parent_id !== undefined) parentInScope(context, input.parent_id);
    // §5.2: an empty manager list is only applied when named in force_update_fields.
    const clearManagers = input.force_update_fields?.includes('dept_manager_userid_list') ?? false;
    const managers = input.dept_manager_userid_list ?? (clearManagers ? [] : undefined);
    context.org.updateDepartment(input.dept_id, {
      name: input.name,
      parentId: input.parent_id,
      order: input.order,
      sourceIdentifier: input.source_identifier,
      code: input.code,
      createDeptGroup: input.create_dept_group,
      autoAddUser: input.auto_add_user,
      autoApproveApply: input.auto_approve_apply,
      hideDept: input.hide_dept,
      outerDept: input.outer_dept,
      managerUserids: managers,
      orgDeptOwner: input.org_dept_owner,
    });
    return {};
  },
});

export const deleteDepartment = oapiMethod({
  api: 'topapi/v2/department/delete',
  permission: 'qyapi_manage_addresslist',
  params: z.object({ dept_id: intParam({ min: 1 }) }),
  handle: ({ dept_id }, context) => {
    if (context.org.department(dept_id)) deptInScope(context, dept_id);
    context.org.deleteDepartment(dept_id);
    return {};
  },
});
