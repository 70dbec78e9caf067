/**
 * What an administrator does in DingTalk's management console, so that tests can script realistic days: add people
 * (one or a bulk import), edit them (rename, move departments, leader, title…), let them go (one or a mass
 * departure), see them activate, and create, edit and remove departments. Everything goes through the same
 * {@link OrgStore} rules as the §5 write APIs, so the same events fire (§8.1); bulk operations run in one store batch,
 * so a bulk import or a mass departure arrives as events with id arrays (§8.2).
 *
 * Inputs are the control API's snake_case shapes (those of `GET /_emulator/org`), validated by the schemas here.
 * Bulk operations return a result per item (STYLE.md §8); single ones throw the store's {@link DingTalkError}.
 *
 * @example
 * const ops = new AdminOps(store, random);
 * ops.importUsers([{ name: '张三' }, { name: '李四', dept_id_list: [2] }]); // one user_add_org with two ids
 * ops.massDeparture({ count: 10 });                                          // one user_leave_org with ten ids
 */
import { z } from 'zod';
import { DingTalkError } from './dingtalk-error.ts';
import type { DepartmentPatch, NewUser, OrgStore, UserPatch } from './org-store.ts';
import { membershipIn } from './org-store.ts';
import { ROOT_DEPT_ID, type OrgDepartment, type OrgUser } from './org-types.ts';
import { DIGITS, type Random } from './seeded-random.ts';

const text = (max: number) => z.string().max(max);
/** In a patch, `null` clears an optional text field. */
const clearable = (max: number) => z.string().max(max).nullable().optional();
const deptIds = z.array(z.int().min(1)).min(1).max(100);

const profile = {
  hide_mobile: z.boolean().optional(),
  senior: z.boolean().optional(),
  main_dept_id: z.int().min(1).optional(),
  dept_id_list: deptIds.optional(),
  /** The departments the person leads (the full list; others are cleared). Applied as department edits. */
  leader_in_depts: z.array(z.int().min(1)).max(100).optional(),
};

export const adminNewUserSchema = z
  .object({
    userid: z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/, 'letters, digits, _ . @ - (1–64)').optional(),
    name: text(80).min(1),
    /** Generated (a free mainland number) when absent, as a console import always has one. */
    mobile: z.string().regex(/^\d{5,20}$/, 'digits only').optional(),
    state_code: z.string().regex(/^\d{1,4}$/, 'digits only').optional(),
    telephone: text(50).optional(),
    email: text(50).optional(),
    org_email: text(100).optional(),
    job_number: text(50).optional(),
    title: text(200).optional(),
    work_place: text(100).optional(),
    remark: text(2000).optional(),
    hired_date: z.int().min(0).optional(),
    manager_userid: text(64).optional(),
    ...profile,
  })
  .strict();

export const adminUserPatchSchema = z
  .object({
    name: text(80).min(1).optional(),
    telephone: clearable(50),
    email: clearable(50),
    org_email: clearable(100),
    job_number: clearable(50),
    title: clearable(200),
    work_place: clearable(100),
    remark: clearable(2000),
    hired_date: z.int().min(0).nullable().optional(),
    manager_userid: clearable(64),
    ...profile,
  })
  .strict();

export const adminNewDeptSchema = z
  .object({
    name: text(64).min(1),
    parent_id: z.int().min(1).default(ROOT_DEPT_ID),
    order: z.int().optional(),
    source_identifier: text(100).optional(),
    create_dept_group: z.boolean().optional(),
    hide_dept: z.boolean().optional(),
    outer_dept: z.boolean().optional(),
  })
  .strict();

export const adminDeptPatchSchema = z
  .object({
    name: text(64).min(1).optional(),
    parent_id: z.int().min(1).optional(),
    order: z.int().optional(),
    source_identifier: text(100).optional(),
    hide_dept: z.boolean().optional(),
    outer_dept: z.boolean().optional(),
    /** The complete list of leaders; `[]` clears it. */
    manager_userids: z.array(z.string().min(1).max(64)).max(100).optional(),
    org_dept_owner: text(64).optional(),
  })
  .strict();

export const departuresSchema = z
  .object({
    userids: z.array(z.string().min(1).max(64)).min(1).max(10_000).optional(),
    /** That many people chosen by the seeded generator (never the boss or an admin). */
    count: z.int().min(1).max(10_000).optional(),
  })
  .strict()
  .refine((value) => (value.userids === undefined) !== (value.count === undefined), 'give exactly one of userids and count');

export type AdminNewUser = z.infer<typeof adminNewUserSchema>;
export type AdminUserPatch = z.infer<typeof adminUserPatchSchema>;
export type AdminNewDept = z.infer<typeof adminNewDeptSchema>;
export type AdminDeptPatch = z.infer<typeof adminDeptPatchSchema>;

export type ItemResult<T> = { ok: true; value: T } | { ok: false; errcode: number; errmsg: string };

export class AdminOps {
  readonly #org: OrgStore;
  readonly #random: Random;

  constructor(org: OrgStore, random: Random) {
    this.#org = org;
    this.#random = random;
  }

  createUser(input: AdminNewUser): OrgUser {
    const newUser = this.#newUser(input);
    if (input.leader_in_depts) checkLeadership(newUser.deptIds, input.leader_in_depts, newUser.userid ?? input.name);
    return this.#org.batch(() => {
      const user = this.#org.createUser(newUser);
      if (input.leader_in_depts) this.#setLeadership(user, input.leader_in_depts);
      return user;
    });
  }

  /** A bulk import: every person is tried, one result each; the added ones arrive as merged `user_add_org` events. */
  importUsers(inputs: readonly AdminNewUser[]): ItemResult<OrgUser>[] {
    return this.#org.batch(() => inputs.map((input) => attempt(() => this.createUser(input))));
  }

  updateUser(userid: string, patch: AdminUserPatch): OrgUser {
    return this.#org.batch(() => {
      const { leader_in_depts: leaderIn, ...fields } = patch;
      const storePatch = userPatch(fields);
      const user = this.#org.user(userid);
      if (!user) throw new DingTalkError(60121, '找不到该用户');
      if (leaderIn) checkLeadership(fields.dept_id_list ?? user.memberships.map((m) => m.deptId), leaderIn, userid);
      // A leader-only edit changes departments, not the person's profile: no user_modify_org for it.
      if (Object.values(storePatch).some((value) => value !== undefined) || !leaderIn) this.#org.updateUser(userid, storePatch);
      if (leaderIn) this.#setLeadership(user, leaderIn);
      return user;
    });
  }

  removeUser(userid: string): void {
    this.#org.deleteUser(userid);
  }

  /** Many people leave at once; returns who left and which userids were unknown. */
  massDeparture(input: z.infer<typeof departuresSchema>): { left: string[]; missing: string[] } {
    const userids = input.userids ?? this.#pickLeavers(input.count ?? 0);
    const left: string[] = [];
    const missing: string[] = [];
    this.#org.batch(() => {
      for (const userid of userids) {
        if (!this.#org.user(userid)) {
          missing.push(userid);
          continue;
        }
        this.#org.deleteUser(userid);
        left.push(userid);
      }
    });
    return { left, missing };
  }

  activateUser(userid: string): OrgUser {
    this.#org.activateUser(userid);
    return this.#org.user(userid) as OrgUser;
  }

  createDepartment(input: AdminNewDept): OrgDepartment {
    return this.#org.createDepartment({
      name: input.name,
      parentId: input.parent_id,
      order: input.order,
      sourceIdentifier: input.source_identifier,
      createDeptGroup: input.create_dept_group,
      hideDept: input.hide_dept,
      outerDept: input.outer_dept,
    });
  }

  updateDepartment(deptId: number, patch: AdminDeptPatch): OrgDepartment {
    const change: DepartmentPatch = {
      name: patch.name,
      parentId: patch.parent_id,
      order: patch.order,
      sourceIdentifier: patch.source_identifier,
      hideDept: patch.hide_dept,
      outerDept: patch.outer_dept,
      managerUserids: patch.manager_userids,
      orgDeptOwner: patch.org_dept_owner,
    };
    this.#org.updateDepartment(deptId, change);
    return this.#org.department(deptId) as OrgDepartment;
  }

  removeDepartment(deptId: number): void {
    this.#org.deleteDepartment(deptId);
  }

  #newUser(input: AdminNewUser): NewUser {
    const stateCode = input.state_code ?? '86';
    return {
      ...definedOnly(userPatch(input)),
      userid: input.userid,
      name: input.name,
      stateCode,
      mobile: input.mobile ?? this.#freeMobile(stateCode),
      deptIds: input.dept_id_list ?? [ROOT_DEPT_ID],
    };
  }

  /** Makes the person leader of exactly `deptIds` among their departments, through department edits. */
  #setLeadership(user: OrgUser, deptIds: readonly number[]): void {
    const wanted = new Set(deptIds);
    for (const membership of [...user.memberships]) {
      if (membership.leader === wanted.has(membership.deptId)) continue;
      const dept = this.#org.department(membership.deptId) as OrgDepartment;
      const leaders = dept.members.filter((m) => m !== user && membershipIn(m, dept.deptId).leader).map((m) => m.userid);
      if (wanted.has(dept.deptId)) leaders.push(user.userid);
      this.#org.updateDepartment(dept.deptId, { managerUserids: leaders });
    }
  }

  #freeMobile(stateCode: string): string {
    for (;;) {
      const mobile = `13${this.#random.chars(DIGITS, 9)}`;
      if (!this.#org.userByMobile(stateCode, mobile)) return mobile;
    }
  }

  #pickLeavers(count: number): string[] {
    const candidates = [...this.#org.users()].filter((user) => !user.boss && !user.admin).map((user) => user.userid);
    return this.#random.shuffle(candidates).slice(0, count);
  }
}

/** The store patch of the profile fields: `null` clears, absent keeps. */
function userPatch(input: Omit<AdminUserPatch, 'leader_in_depts'>): UserPatch {
  return {
    name: input.name,
    telephone: input.telephone,
    email: input.email,
    orgEmail: input.org_email,
    jobNumber: input.job_number,
    title: input.title,
    workPlace: input.work_place,
    remark: input.remark,
    hiredDate: input.hired_date,
    managerUserid: input.manager_userid,
    hideMobile: input.hide_mobile,
    senior: input.senior,
    deptIds: input.dept_id_list,
    mainDeptId: input.main_dept_id,
  };
}

/** A person leads only departments they are in (§5.2: 40031 for a leader who is not a member). */
function checkLeadership(memberOf: readonly number[], leaderIn: readonly number[], who: string): void {
  const outside = leaderIn.filter((deptId) => !memberOf.includes(deptId));
  if (outside.length > 0) throw new DingTalkError(40031, `不存在的userId: ${who} 不在部门 ${outside.join(',')}`);
}

function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function attempt<T>(work: () => T): ItemResult<T> {
  try {
    return { ok: true, value: work() };
  } catch (error) {
    if (error instanceof DingTalkError) return { ok: false, errcode: error.errcode, errmsg: error.message };
    throw error;
  }
}
