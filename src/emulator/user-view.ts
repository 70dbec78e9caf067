/**
 * How a person looks on the wire (§4.3 ListUser, §4.4 user detail) and in the control API's org dump.
 *
 * Presence rules of §4.3: `mobile` and `state_code` only with the app's `fieldMobile` permission; `email`,
 * `org_email`, `work_place`, `remark` and `extension` only with `fieldEmail` and a non-empty value; every other
 * optional field is absent when empty (never `""` or `null`).
 */
import type { EmulatorApp } from './app-registry.ts';
import { membershipIn, type OrgStore } from './org-store.ts';
import type { OrgUser } from './org-types.ts';

type Json = Record<string, unknown>;

/** Adds the entries whose value is neither undefined nor an empty string. */
function present(target: Json, fields: Json): Json {
  for (const [key, value] of Object.entries(fields)) if (value !== undefined && value !== '') target[key] = value;
  return target;
}

/** The fields common to §4.3 and §4.4, filtered by the app's field permissions. */
function baseFields(user: OrgUser, app: EmulatorApp): Json {
  const out: Json = { userid: user.userid, unionid: user.unionid, name: user.name };
  present(out, { avatar: user.avatar });
  if (app.permissions.has('fieldMobile')) present(out, { state_code: user.stateCode, mobile: user.mobile });
  out.hide_mobile = user.hideMobile;
  present(out, { telephone: user.telephone, job_number: user.jobNumber, title: user.title });
  if (app.permissions.has('fieldEmail')) {
    present(out, { email: user.email, org_email: user.orgEmail, work_place: user.workPlace, remark: user.remark });
  }
  out.dept_id_list = user.memberships.map((m) => m.deptId);
  return out;
}

function tailFields(user: OrgUser, app: EmulatorApp, out: Json): Json {
  if (app.permissions.has('fieldEmail')) present(out, { extension: user.extension });
  present(out, { hired_date: user.hiredDate });
  out.active = user.active;
  out.admin = user.admin;
  out.boss = user.boss;
  return out;
}

/** One entry of `topapi/v2/user/list` for department `deptId` (`leader`, `dept_order` of that department). */
export function listUserView(user: OrgUser, deptId: number, app: EmulatorApp): Json {
  const membership = membershipIn(user, deptId);
  const out = baseFields(user, app);
  out.dept_order = membership.order;
  tailFields(user, app, out);
  out.leader = membership.leader;
  out.exclusive_account = false;
  return out;
}

/** `topapi/v2/user/get` (§4.4). */
export function userDetailView(user: OrgUser, app: EmulatorApp, org: OrgStore): Json {
  const out = baseFields(user, app);
  present(out, { manager_userid: user.managerUserid });
  out.dept_order_list = user.memberships.map((m) => ({ dept_id: m.deptId, order: m.order }));
  out.leader_in_dept = user.memberships.map((m) => ({ dept_id: m.deptId, leader: m.leader }));
  out.dept_position_list = user.memberships.map((m) =>
    present({ dept_id: m.deptId, is_main: m.deptId === user.mainDeptId }, { title: m.title ?? (m.deptId === user.mainDeptId ? user.title : undefined) }),
  );
  tailFields(user, app, out);
  out.real_authed = user.realAuthed;
  out.senior = user.senior;
  out.exclusive_account = false;
  const roles = user.roles.map((index) => org.roles[index]).filter((role) => role !== undefined);
  if (roles.length > 0) out.role_list = roles.map((role) => ({ id: role.id, name: role.name, group_name: role.groupName }));
  return out;
}

/** The control API's plain view of a person: every field, no permission filtering, memberships inline. */
export function orgUserJson(user: OrgUser, org: OrgStore): Json {
  return present(
    { userid: user.userid, unionid: user.unionid, name: user.name, state_code: user.stateCode, mobile: user.mobile },
    {
      hide_mobile: user.hideMobile,
      telephone: user.telephone,
      email: user.email,
      org_email: user.orgEmail,
      work_place: user.workPlace,
      remark: user.remark,
      extension: user.extension,
      avatar: user.avatar,
      job_number: user.jobNumber,
      title: user.title,
      hired_date: user.hiredDate,
      manager_userid: user.managerUserid,
      active: user.active,
      admin: user.admin,
      boss: user.boss,
      senior: user.senior,
      real_authed: user.realAuthed,
      roles: user.roles.map((index) => org.roles[index]?.name).filter((name) => name !== undefined),
      depts: user.memberships.map((m) =>
        present({ dept_id: m.deptId, order: m.order, leader: m.leader, main: m.deptId === user.mainDeptId }, { title: m.title }),
      ),
    },
  );
}
