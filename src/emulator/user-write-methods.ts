/**
 * User writers (§5.4–§5.6), permission `qyapi_manage_addresslist`. Parameters follow §5.4/§5.5; `mobile` is not an
 * update parameter (§5.5) and is ignored there like any unknown parameter. In an update an empty string clears an
 * optional field. The org rules (unique userid, mobile, email, telephone; departments exist) live in the store.
 */
import { z } from 'zod';
import { dingTalkError } from './dingtalk-error.ts';
import { oapiMethod, requireDeptsInScope, requireUserInScope } from './oapi-method.ts';
import { boolParam, intListParam, intParam, jsonTextParam, objectListParam, stringListParam, stringParam } from './oapi-params.ts';
import type { UserPatch } from './org-store.ts';
import { parseMobile } from './user-methods.ts';

const deptOrderItem = z.object({ dept_id: intParam({ min: 1 }), order: intParam() });
const deptTitleItem = z.object({ dept_id: intParam({ min: 1 }), title: stringParam({ max: 200 }) });

/** Fields shared by create and update, with §5.4's length limits. */
const profileFields = {
  hide_mobile: boolParam().optional(),
  telephone: stringParam({ max: 50 }).optional(),
  email: stringParam({ max: 50 }).optional(),
  org_email: stringParam({ max: 100 }).optional(),
  job_number: stringParam({ max: 50 }).optional(),
  title: stringParam({ max: 200 }).optional(),
  work_place: stringParam({ max: 100 }).optional(),
  remark: stringParam({ max: 2000 }).optional(),
  hired_date: intParam({ min: 0 }).optional(),
  manager_userid: stringParam({ max: 64 }).optional(),
  senior_mode: boolParam().optional(),
  extension: jsonTextParam().optional(),
  dept_order_list: objectListParam(deptOrderItem).optional(),
  dept_title_list: objectListParam(deptTitleItem).optional(),
  language: stringParam({ max: 16 }).optional(),
};

/** §5.4 codes for fields that fail their shape: bad name 60112, mobile 60103, email 60105, job number 60123. */
const profileCodes = { name: 60112, mobile: 60103, email: 60105, job_number: 60123 };

type ProfileInput = { [K in keyof typeof profileFields]?: z.output<(typeof profileFields)[K]> };

/** Store patch from parsed fields: `""` → null (clear), absent → undefined (keep). */
function profilePatch(input: ProfileInput): UserPatch {
  const text = (value: string | undefined): string | null | undefined => (value === '' ? null : value);
  return {
    hideMobile: input.hide_mobile,
    telephone: text(input.telephone),
    email: text(input.email),
    orgEmail: text(input.org_email),
    jobNumber: text(input.job_number),
    title: text(input.title),
    workPlace: text(input.work_place),
    remark: text(input.remark),
    extension: text(input.extension),
    hiredDate: input.hired_date,
    managerUserid: text(input.manager_userid),
    senior: input.senior_mode,
    deptOrders: input.dept_order_list?.map((d) => ({ deptId: d.dept_id, order: d.order })),
    deptTitles: input.dept_title_list?.map((d) => ({ deptId: d.dept_id, title: d.title })),
  };
}

/** Drops the undefined entries, so that "keep" never overwrites. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export const createUser = oapiMethod({
  api: 'topapi/v2/user/create',
  permission: 'qyapi_manage_addresslist',
  params: z.object({
    userid: stringParam({ max: 64 }).optional(),
    name: stringParam({ min: 1, max: 80 }),
    mobile: stringParam({ min: 1, max: 32 }),
    dept_id_list: intListParam(100),
    ...profileFields,
  }),
  codes: { ...profileCodes, dept_id_list: 40035 },
  handle: (input, context) => {
    const mobile = parseMobile(input.mobile);
    // Mainland numbers are 11 digits starting with 1; others need the `+xx-` prefix (§5.4).
    if (!mobile || (mobile.stateCode === '86' && !/^1\d{10}$/.test(mobile.mobile))) throw dingTalkError(60103);
    requireDeptsInScope(context, input.dept_id_list);
    const user = context.org.createUser({
      ...defined(profilePatch(input)),
      userid: input.userid || undefined,
      name: input.name,
      stateCode: mobile.stateCode,
      mobile: mobile.mobile,
      deptIds: input.dept_id_list,
    });
    // §5.4: camelCase `unionId` in this result (doc and SDK model agree).
    return { result: { userid: user.userid, unionId: user.unionid } };
  },
});

export const updateUser = oapiMethod({
  api: 'topapi/v2/user/update',
  permission: 'qyapi_manage_addresslist',
  params: z.object({
    userid: stringParam({ min: 1, max: 64 }),
    name: stringParam({ min: 1, max: 80 }).optional(),
    dept_id_list: intListParam(100).optional(),
    force_update_fields: stringListParam(10).optional(),
    ...profileFields,
  }),
  codes: { ...profileCodes, dept_id_list: 40035 },
  handle: (input, context) => {
    const user = context.org.user(input.userid);
    if (user) requireUserInScope(context, user);
    if (input.dept_id_list) requireDeptsInScope(context, input.dept_id_list);
    const patch = defined({ ...profilePatch(input), name: input.name, deptIds: input.dept_id_list });
    // §5.5: force_update_fields=manager_userid clears the manager.
    if (input.force_update_fields?.includes('manager_userid') && !input.manager_userid) patch.managerUserid = null;
    context.org.updateUser(input.userid, patch);
    return {};
  },
});

export const deleteUser = oapiMethod({
  api: 'topapi/v2/user/delete',
  permission: 'qyapi_manage_addresslist',
  params: z.object({ userid: stringParam({ min: 1, max: 64 }) }),
  codes: { userid: 33012 },
  handle: ({ userid }, context) => {
    const user = context.org.user(userid);
    if (user) requireUserInScope(context, user);
    context.org.deleteUser(userid);
    return {};
  },
});
