/**
 * The emulated address book: the organization in memory, its indexes, the reads the oapi methods need and the
 * writes of §5 with DingTalk's rules (codes raised as {@link DingTalkError}).
 *
 * Every change is announced once through {@link OrgStore.onChange} with the DingTalk event it corresponds to
 * (§8.1: `user_add_org`, `user_modify_org` with its diff, `user_leave_org`, `user_active_org`,
 * `org_dept_create|modify|remove`), so that event
 * delivery (HTTP push, Stream) can subscribe later without touching the rules. A failed write changes nothing and
 * announces nothing.
 *
 * @example
 * const store = new OrgStore(generateOrg({ seed: 'x', users: 200, depts: 8 }), { clock, random });
 * const stop = store.onChange((change) => console.log(change.kind, change.ids));
 * store.createDepartment({ name: '新部门', parentId: 1 });
 */
import type { Clock } from '../core/index.ts';
import { dingTalkError } from './dingtalk-error.ts';
import { ORDER_STEP, newMembership } from './org-generator.ts';
import {
  ROOT_DEPT_ID,
  type Membership,
  type OrgChange,
  type OrgData,
  type OrgDepartment,
  type OrgRole,
  type OrgUser,
  type UserDiff,
} from './org-types.ts';
import { BASE62, DIGITS, type Random } from './seeded-random.ts';

export interface NewDepartment {
  name: string;
  parentId: number;
  order?: number | undefined;
  sourceIdentifier?: string | undefined;
  createDeptGroup?: boolean | undefined;
  autoApproveApply?: boolean | undefined;
  hideDept?: boolean | undefined;
  outerDept?: boolean | undefined;
}

export interface DepartmentPatch {
  name?: string | undefined;
  parentId?: number | undefined;
  order?: number | undefined;
  sourceIdentifier?: string | undefined;
  code?: string | undefined;
  createDeptGroup?: boolean | undefined;
  autoAddUser?: boolean | undefined;
  autoApproveApply?: boolean | undefined;
  hideDept?: boolean | undefined;
  outerDept?: boolean | undefined;
  /** The complete new list of leaders; `[]` clears it (§5.2 `dept_manager_userid_list`, `force_update_fields`). */
  managerUserids?: string[] | undefined;
  orgDeptOwner?: string | undefined;
}

/** Optional text fields of a person; in a patch `null` clears one, `undefined` keeps it. */
interface UserProfile {
  name: string;
  hideMobile: boolean;
  telephone: string | null;
  email: string | null;
  orgEmail: string | null;
  jobNumber: string | null;
  title: string | null;
  workPlace: string | null;
  remark: string | null;
  extension: string | null;
  hiredDate: number | null;
  managerUserid: string | null;
  senior: boolean;
}

interface UserPlacement {
  deptIds: number[];
  deptOrders: { deptId: number; order: number }[];
  deptTitles: { deptId: number; title: string }[];
  mainDeptId: number;
}

export type NewUser = Partial<UserProfile> &
  Partial<UserPlacement> & { userid?: string | undefined; name: string; stateCode: string; mobile: string; deptIds: number[] };

export type UserPatch = Partial<UserProfile> & Partial<UserPlacement>;

export type OrgListener = (change: OrgChange) => void;

export class OrgStore {
  #data!: OrgData;
  #random!: Random;
  readonly #clock: Clock;
  readonly #depts = new Map<number, OrgDepartment>();
  readonly #users = new Map<string, OrgUser>();
  readonly #byUnionid = new Map<string, OrgUser>();
  readonly #byMobile = new Map<string, OrgUser>();
  readonly #byEmail = new Map<string, OrgUser>();
  readonly #byTelephone = new Map<string, OrgUser>();
  readonly #listeners = new Set<OrgListener>();
  /** Changes held back by {@link OrgStore.batch}; undefined outside a batch. */
  #held: OrgChange[] | undefined;

  constructor(data: OrgData, options: { clock: Clock; random: Random }) {
    this.#clock = options.clock;
    this.replace(data, options.random);
  }

  /** Swaps in a whole new organization (emulator reset). Listeners stay subscribed; no change is announced. */
  replace(data: OrgData, random: Random): void {
    this.#data = data;
    this.#random = random;
    for (const map of [this.#depts, this.#users, this.#byUnionid, this.#byMobile, this.#byEmail, this.#byTelephone]) {
      map.clear();
    }
    for (const dept of data.departments) this.#depts.set(dept.deptId, dept);
    for (const user of data.users) this.#index(user);
  }

  /** Subscribes to changes; returns the unsubscribe function. A throwing listener never breaks a write. */
  onChange(listener: OrgListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Runs `work` holding its announcements back, then announces them merged: consecutive changes of one kind without
   * a diff become one change of up to {@link BATCH_IDS} ids, as a console bulk import or mass departure arrives as
   * one event with an id array (§8.2; the per-event cap is UNCONFIRMED). What `work` did before throwing is kept
   * and announced.
   */
  batch<T>(work: () => T): T {
    if (this.#held) return work();
    this.#held = [];
    try {
      return work();
    } finally {
      const held = this.#held;
      this.#held = undefined;
      for (const change of mergeChanges(held)) this.#emit(change);
    }
  }

  get corpName(): string {
    return this.#data.corpName;
  }

  get roles(): readonly OrgRole[] {
    return this.#data.roles;
  }

  get departmentCount(): number {
    return this.#depts.size;
  }

  get userCount(): number {
    return this.#users.size;
  }

  department(deptId: number): OrgDepartment | undefined {
    return this.#depts.get(deptId);
  }

  user(userid: string): OrgUser | undefined {
    return this.#users.get(userid);
  }

  userByUnionid(unionid: string): OrgUser | undefined {
    return this.#byUnionid.get(unionid);
  }

  userByMobile(stateCode: string, mobile: string): OrgUser | undefined {
    return this.#byMobile.get(mobileKey(stateCode, mobile));
  }

  /** Departments, parents before children (creation order). */
  departments(): IterableIterator<OrgDepartment> {
    return this.#depts.values();
  }

  users(): IterableIterator<OrgUser> {
    return this.#users.values();
  }

  /** The department and its ancestors up to the root: `[deptId, parent, …, 1]` (§3.4). */
  ancestors(deptId: number): number[] {
    const chain: number[] = [];
    for (let dept = this.#depts.get(deptId); dept; dept = this.#depts.get(dept.parentId)) chain.push(dept.deptId);
    return chain;
  }

  countUsers(onlyActive: boolean): number {
    if (!onlyActive) return this.#users.size;
    let count = 0;
    for (const user of this.#users.values()) if (user.active) count++;
    return count;
  }

  /** Distinct people in the department and all its sub-departments (§3.3 `member_count`). */
  memberCount(deptId: number): number {
    const seen = new Set<OrgUser>();
    const stack = [this.#depts.get(deptId)];
    for (let dept = stack.pop(); dept; dept = stack.pop()) {
      for (const user of dept.members) seen.add(user);
      stack.push(...dept.children);
    }
    return seen.size;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Department writes (§5.1–§5.3)

  createDepartment(input: NewDepartment): OrgDepartment {
    const name = checkDeptName(input.name);
    const parent = this.#depts.get(input.parentId);
    if (!parent) throw dingTalkError(60004);
    checkSiblingName(parent, name, undefined);
    let deptId = this.#random.int(100_000_000, 999_999_999);
    while (this.#depts.has(deptId)) deptId = this.#random.int(100_000_000, 999_999_999);
    const dept: OrgDepartment = {
      deptId,
      name,
      parentId: parent.deptId,
      order: input.order ?? nextOrder(parent.children.at(-1)?.order),
      sourceIdentifier: input.sourceIdentifier || undefined,
      code: undefined,
      createDeptGroup: input.createDeptGroup ?? false,
      autoAddUser: false,
      autoApproveApply: input.autoApproveApply ?? false,
      groupChatId: undefined,
      orgDeptOwner: undefined,
      hideDept: input.hideDept ?? false,
      outerDept: input.outerDept ?? false,
      children: [],
      members: [],
    };
    if (dept.createDeptGroup) dept.groupChatId = `chat${this.#random.chars(BASE62, 24).toLowerCase()}`;
    insertChild(parent, dept);
    this.#depts.set(deptId, dept);
    this.#emit({ kind: 'org_dept_create', ids: [deptId] });
    return dept;
  }

  updateDepartment(deptId: number, patch: DepartmentPatch): void {
    if (deptId === ROOT_DEPT_ID) throw dingTalkError(60018);
    const dept = this.#depts.get(deptId);
    if (!dept) throw dingTalkError(60003);
    const name = patch.name === undefined ? dept.name : checkDeptName(patch.name);
    let parent = this.#depts.get(dept.parentId);
    if (patch.parentId !== undefined && patch.parentId !== dept.parentId) {
      parent = this.#depts.get(patch.parentId);
      if (!parent) throw dingTalkError(60004);
      if (this.ancestors(parent.deptId).includes(deptId)) throw dingTalkError(60010);
    }
    if (parent) checkSiblingName(parent, name, dept);
    const members = new Set(dept.members.map((u) => u.userid));
    for (const userid of patch.managerUserids ?? []) {
      if (!members.has(userid)) throw dingTalkError(40031, `不存在的userId: ${userid}`);
    }
    if (patch.orgDeptOwner !== undefined && patch.orgDeptOwner !== '' && !members.has(patch.orgDeptOwner)) {
      throw dingTalkError(40093);
    }

    // All checks passed: apply.
    dept.name = name;
    if (parent && (parent.deptId !== dept.parentId || patch.order !== undefined)) {
      const oldParent = this.#depts.get(dept.parentId);
      if (oldParent) oldParent.children.splice(oldParent.children.indexOf(dept), 1);
      dept.parentId = parent.deptId;
      dept.order = patch.order ?? nextOrder(parent.children.at(-1)?.order);
      insertChild(parent, dept);
    }
    assignDefined(dept, {
      sourceIdentifier: patch.sourceIdentifier,
      code: patch.code,
      createDeptGroup: patch.createDeptGroup,
      autoAddUser: patch.autoAddUser,
      autoApproveApply: patch.autoApproveApply,
      hideDept: patch.hideDept,
      outerDept: patch.outerDept,
    });
    if (patch.orgDeptOwner !== undefined) dept.orgDeptOwner = patch.orgDeptOwner || undefined;
    if (dept.createDeptGroup && !dept.groupChatId) dept.groupChatId = `chat${this.#random.chars(BASE62, 24).toLowerCase()}`;
    if (patch.managerUserids) {
      const leaders = new Set(patch.managerUserids);
      for (const user of dept.members) membershipIn(user, deptId).leader = leaders.has(user.userid);
    }
    this.#emit({ kind: 'org_dept_modify', ids: [deptId] });
  }

  deleteDepartment(deptId: number): void {
    if (deptId === ROOT_DEPT_ID) throw dingTalkError(60007);
    const dept = this.#depts.get(deptId);
    if (!dept) throw dingTalkError(60003);
    if (dept.members.length > 0) throw dingTalkError(60005);
    if (dept.children.length > 0) throw dingTalkError(60006);
    const parent = this.#depts.get(dept.parentId);
    if (parent) parent.children.splice(parent.children.indexOf(dept), 1);
    this.#depts.delete(deptId);
    this.#emit({ kind: 'org_dept_remove', ids: [deptId] });
  }

  // -------------------------------------------------------------------------------------------------------------
  // User writes (§5.4–§5.6)

  createUser(input: NewUser): OrgUser {
    const userid = input.userid ?? this.#newUserid();
    if (this.#users.has(userid)) throw dingTalkError(60102);
    const name = checkUserName(input.name);
    if (this.#byMobile.has(mobileKey(input.stateCode, input.mobile))) throw dingTalkError(60104);
    const placement = this.#checkPlacement(input, undefined);
    this.#checkUniqueContacts(input, undefined);
    if (input.managerUserid && !this.#users.has(input.managerUserid)) throw dingTalkError(60121, '找不到该用户: manager_userid');

    const now = this.#clock.now();
    const user: OrgUser = {
      userid,
      unionid: this.#newUnionid(),
      name,
      stateCode: input.stateCode,
      mobile: input.mobile,
      hideMobile: input.hideMobile ?? false,
      telephone: input.telephone ?? undefined,
      email: input.email ?? undefined,
      orgEmail: input.orgEmail ?? undefined,
      workPlace: input.workPlace ?? undefined,
      remark: input.remark ?? undefined,
      extension: input.extension ?? undefined,
      avatar: undefined,
      jobNumber: input.jobNumber ?? undefined,
      title: input.title ?? undefined,
      hiredDate: input.hiredDate ?? undefined,
      managerUserid: input.managerUserid ?? undefined,
      // A person added by API has not activated DingTalk yet (§4.3 `active`).
      active: false,
      admin: false,
      boss: false,
      senior: input.senior ?? false,
      realAuthed: false,
      roles: [],
      mainDeptId: placement.mainDeptId,
      memberships: [],
      modifiedAt: now,
    };
    this.#place(user, placement, now);
    this.#index(user);
    this.#emit({ kind: 'user_add_org', ids: [userid] });
    return user;
  }

  updateUser(userid: string, patch: UserPatch): void {
    const user = this.#users.get(userid);
    if (!user) throw dingTalkError(60121);
    const name = patch.name === undefined ? user.name : checkUserName(patch.name);
    const placement = patch.deptIds || patch.deptOrders || patch.deptTitles || patch.mainDeptId !== undefined
      ? this.#checkPlacement(patch, user)
      : undefined;
    this.#checkUniqueContacts(patch, user);
    if (patch.managerUserid && (patch.managerUserid === userid || !this.#users.has(patch.managerUserid))) {
      throw dingTalkError(60121, '找不到该用户: manager_userid');
    }

    const before = diffFields(user);
    this.#unindex(user);
    user.name = name;
    const optional = (value: string | null | undefined, current: string | undefined): string | undefined =>
      value === undefined ? current : (value ?? undefined);
    user.telephone = optional(patch.telephone, user.telephone);
    user.email = optional(patch.email, user.email);
    user.orgEmail = optional(patch.orgEmail, user.orgEmail);
    user.jobNumber = optional(patch.jobNumber, user.jobNumber);
    user.title = optional(patch.title, user.title);
    user.workPlace = optional(patch.workPlace, user.workPlace);
    user.remark = optional(patch.remark, user.remark);
    user.extension = optional(patch.extension, user.extension);
    user.managerUserid = optional(patch.managerUserid, user.managerUserid);
    user.hiredDate = patch.hiredDate === undefined ? user.hiredDate : (patch.hiredDate ?? undefined);
    user.hideMobile = patch.hideMobile ?? user.hideMobile;
    user.senior = patch.senior ?? user.senior;
    user.modifiedAt = this.#clock.now();
    if (placement) this.#place(user, placement, user.modifiedAt);
    this.#index(user);
    this.#emit({ kind: 'user_modify_org', ids: [userid], diff: diffOf(before, diffFields(user)) });
  }

  /** The person activates DingTalk after being added (§4.3 `active`, §8.1 `user_active_org`); 60121 if unknown. */
  activateUser(userid: string): void {
    const user = this.#users.get(userid);
    if (!user) throw dingTalkError(60121);
    user.active = true;
    user.modifiedAt = this.#clock.now();
    this.#emit({ kind: 'user_active_org', ids: [userid] });
  }

  deleteUser(userid: string): void {
    const user = this.#users.get(userid);
    if (!user) throw dingTalkError(33012);
    for (const membership of user.memberships) this.#leave(user, membership.deptId);
    this.#unindex(user);
    this.#users.delete(userid);
    // Nobody reports to a person who left, and a department group loses them as owner.
    for (const other of this.#users.values()) if (other.managerUserid === userid) other.managerUserid = undefined;
    for (const dept of this.#depts.values()) if (dept.orgDeptOwner === userid) dept.orgDeptOwner = undefined;
    this.#emit({ kind: 'user_leave_org', ids: [userid] });
  }

  // -------------------------------------------------------------------------------------------------------------

  #emit(change: OrgChange): void {
    if (this.#held) {
      this.#held.push(change);
      return;
    }
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch {
        // A failing subscriber must not undo or break a write that already happened (STYLE.md §10).
      }
    }
  }

  #index(user: OrgUser): void {
    this.#users.set(user.userid, user);
    this.#byUnionid.set(user.unionid, user);
    this.#byMobile.set(mobileKey(user.stateCode, user.mobile), user);
    if (user.email) this.#byEmail.set(user.email.toLowerCase(), user);
    if (user.telephone) this.#byTelephone.set(user.telephone, user);
  }

  #unindex(user: OrgUser): void {
    this.#byUnionid.delete(user.unionid);
    this.#byMobile.delete(mobileKey(user.stateCode, user.mobile));
    if (user.email) this.#byEmail.delete(user.email.toLowerCase());
    if (user.telephone) this.#byTelephone.delete(user.telephone);
  }

  #checkUniqueContacts(input: Partial<UserProfile>, self: OrgUser | undefined): void {
    if (input.email) {
      if (!EMAIL.test(input.email)) throw dingTalkError(60105);
      const owner = this.#byEmail.get(input.email.toLowerCase());
      if (owner && owner !== self) throw dingTalkError(60106);
    }
    if (input.telephone) {
      const owner = this.#byTelephone.get(input.telephone);
      if (owner && owner !== self) throw dingTalkError(40100);
    }
  }

  /** Resolves and checks the departments of a create or update; for an update without `deptIds`, the current ones. */
  #checkPlacement(input: Partial<UserPlacement>, user: OrgUser | undefined): UserPlacement {
    const deptIds = [...new Set(input.deptIds ?? user?.memberships.map((m) => m.deptId) ?? [])];
    if (deptIds.length === 0 || deptIds.length > 100) throw dingTalkError(40035, '不合法的参数 dept_id_list');
    for (const deptId of deptIds) if (!this.#depts.has(deptId)) throw dingTalkError(60003, `部门不存在: ${deptId}`);
    const requestedMain = input.mainDeptId ?? user?.mainDeptId;
    const mainDeptId = requestedMain !== undefined && deptIds.includes(requestedMain) ? requestedMain : (deptIds[0] as number);
    return { deptIds, deptOrders: input.deptOrders ?? [], deptTitles: input.deptTitles ?? [], mainDeptId };
  }

  /** Moves the person into exactly `placement.deptIds`, keeping order and leader flags of departments they stay in. */
  #place(user: OrgUser, placement: UserPlacement, now: number): void {
    const target = new Set(placement.deptIds);
    for (const membership of [...user.memberships]) if (!target.has(membership.deptId)) this.#leave(user, membership.deptId);
    for (const deptId of placement.deptIds) {
      if (user.memberships.some((m) => m.deptId === deptId)) continue;
      const membership = newMembership(deptId, now);
      const dept = this.#depts.get(deptId) as OrgDepartment;
      const last = dept.members.at(-1);
      membership.order = nextOrder(last && membershipIn(last, deptId).order);
      user.memberships.push(membership);
      insertMember(dept, user, membership);
    }
    for (const { deptId, order } of placement.deptOrders) {
      const membership = user.memberships.find((m) => m.deptId === deptId);
      const dept = this.#depts.get(deptId);
      if (!membership || !dept) continue;
      dept.members.splice(dept.members.indexOf(user), 1);
      membership.order = order;
      insertMember(dept, user, membership);
    }
    for (const { deptId, title } of placement.deptTitles) {
      const membership = user.memberships.find((m) => m.deptId === deptId);
      if (membership) membership.title = title || undefined;
    }
    user.mainDeptId = placement.mainDeptId;
  }

  #leave(user: OrgUser, deptId: number): void {
    const dept = this.#depts.get(deptId);
    if (dept) {
      const at = dept.members.indexOf(user);
      if (at >= 0) dept.members.splice(at, 1);
    }
    user.memberships = user.memberships.filter((m) => m.deptId !== deptId);
  }

  #newUserid(): string {
    let userid = `0${this.#random.chars(DIGITS, 16)}`;
    while (this.#users.has(userid)) userid = `0${this.#random.chars(DIGITS, 16)}`;
    return userid;
  }

  #newUnionid(): string {
    let unionid = `${this.#random.chars(BASE62, 22)}iEiE`;
    while (this.#byUnionid.has(unionid)) unionid = `${this.#random.chars(BASE62, 22)}iEiE`;
    return unionid;
  }
}

// ---------------------------------------------------------------------------------------------------------------

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Most ids in one merged change (§8.2 id arrays; DingTalk's own cap is UNCONFIRMED). */
export const BATCH_IDS = 100;

/** The profile keys of `diffInfo` (§8.2), named as DingTalk names them. */
function diffFields(user: OrgUser): Record<string, string | number | null> {
  return {
    name: user.name,
    managerUserid: user.managerUserid ?? null,
    hiredDate: user.hiredDate ?? null,
    telephone: user.telephone ?? null,
    email: user.email ?? null,
    jobNumber: user.jobNumber ?? null,
    workPlace: user.workPlace ?? null,
  };
}

function diffOf(before: Record<string, string | number | null>, after: Record<string, string | number | null>): UserDiff {
  const diff: UserDiff = { prev: {}, curr: {} };
  for (const [key, value] of Object.entries(after)) {
    if (before[key] === value) continue;
    diff.prev[key] = before[key] ?? null;
    diff.curr[key] = value;
  }
  return diff;
}

/** Joins runs of same-kind changes without a diff, at most {@link BATCH_IDS} ids each. */
function mergeChanges(changes: readonly OrgChange[]): OrgChange[] {
  const merged: OrgChange[] = [];
  for (const change of changes) {
    const last = merged.at(-1);
    if (last && last.kind === change.kind && !('diff' in change) && !('diff' in last) && last.ids.length + change.ids.length <= BATCH_IDS) {
      (last.ids as (string | number)[]).push(...change.ids);
    } else {
      merged.push({ ...change, ids: [...change.ids] } as OrgChange);
    }
  }
  return merged;
}

export function mobileKey(stateCode: string, mobile: string): string {
  return `${stateCode}-${mobile}`;
}

export function membershipIn(user: OrgUser, deptId: number): Membership {
  return user.memberships.find((m) => m.deptId === deptId) as Membership;
}

/** §5.1: 1–64 characters, none of `-`, `，`, `,`. */
function checkDeptName(name: string): string {
  const length = [...name].length;
  if (length < 1 || length > 64 || /[-，,]/.test(name) || name.trim() === '') throw dingTalkError(60001);
  return name;
}

function checkSiblingName(parent: OrgDepartment, name: string, self: OrgDepartment | undefined): void {
  if (parent.children.some((c) => c !== self && c.name === name)) throw dingTalkError(60008);
}

/** §5.4: `name` is required, at most 80 characters. */
function checkUserName(name: string): string {
  const length = [...name].length;
  if (length < 1 || length > 80 || name.trim() === '') throw dingTalkError(60112);
  return name;
}

/** After the last sibling or member (lists are kept sorted by order, so the last one has the largest). */
function nextOrder(lastOrder: number | undefined): number {
  return (lastOrder ?? 0) + ORDER_STEP;
}

/** Inserts keeping `children` sorted by order (ties keep insertion order). */
function insertChild(parent: OrgDepartment, dept: OrgDepartment): void {
  const at = parent.children.findIndex((c) => c.order > dept.order);
  if (at < 0) parent.children.push(dept);
  else parent.children.splice(at, 0, dept);
}

/** Inserts keeping `members` sorted by this department's order, by binary search (large departments). */
function insertMember(dept: OrgDepartment, user: OrgUser, membership: Membership): void {
  let low = 0;
  let high = dept.members.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (membershipIn(dept.members[mid] as OrgUser, dept.deptId).order > membership.order) high = mid;
    else low = mid + 1;
  }
  dept.members.splice(low, 0, user);
}

/** Copies the defined values of `patch` onto `target`. */
function assignDefined<T extends object>(target: T, patch: Partial<T>): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined) (target as Record<string, unknown>)[key] = value;
  }
}
