/**
 * The emulated organization in memory. Shapes are chosen for 100,000 people in a few hundred MB: one object per
 * person and per department with a fixed set of properties (V8 keeps one hidden class for all of them), optional
 * fields held as `undefined` rather than missing, and per-department member arrays kept in display order so that
 * paging is a slice.
 */

/** A person's place in one department (§4.4 `dept_order_list`, `leader_in_dept`, `dept_position_list`). */
export interface Membership {
  deptId: number;
  /** Position among the department's members; smaller sorts first. */
  order: number;
  leader: boolean;
  /** Per-department title (`dept_title_list` on create, `dept_position_list[].title`). */
  title: string | undefined;
  /** When the person entered this department: the key of `order_field=entry_asc|entry_desc` (§4.3). */
  joinedAt: number;
}

export interface OrgUser {
  userid: string;
  unionid: string;
  name: string;
  /** Country code without `+` (§4.3 `state_code`). */
  stateCode: string;
  mobile: string;
  hideMobile: boolean;
  telephone: string | undefined;
  email: string | undefined;
  orgEmail: string | undefined;
  workPlace: string | undefined;
  remark: string | undefined;
  /** JSON text of custom fields (§4.3 `extension`). */
  extension: string | undefined;
  avatar: string | undefined;
  jobNumber: string | undefined;
  title: string | undefined;
  hiredDate: number | undefined;
  managerUserid: string | undefined;
  active: boolean;
  admin: boolean;
  boss: boolean;
  senior: boolean;
  realAuthed: boolean;
  /** Indexes into the organization's role table. */
  roles: number[];
  /** The main department (`dept_position_list[].is_main`); always one of `memberships`. */
  mainDeptId: number;
  /** In the order the person joined them; `dept_id_list` follows this order. */
  memberships: Membership[];
  modifiedAt: number;
}

export interface OrgDepartment {
  deptId: number;
  name: string;
  /** 0 for the root, whose parent does not exist. */
  parentId: number;
  /** Position among siblings; smaller sorts first (§3.3). */
  order: number;
  sourceIdentifier: string | undefined;
  code: string | undefined;
  createDeptGroup: boolean;
  autoAddUser: boolean;
  autoApproveApply: boolean;
  groupChatId: string | undefined;
  orgDeptOwner: string | undefined;
  hideDept: boolean;
  outerDept: boolean;
  /** Direct sub-departments in display order. */
  children: OrgDepartment[];
  /** Direct members in display order (their membership `order` ascending). */
  members: OrgUser[];
}

export interface OrgRole {
  id: number;
  name: string;
  groupName: string;
}

/** What the generator produces and the store takes over. */
export interface OrgData {
  corpName: string;
  /** Domain of `org_email` addresses. */
  mailDomain: string;
  roles: OrgRole[];
  /** Root first, parents before children. */
  departments: OrgDepartment[];
  users: OrgUser[];
}

export const ROOT_DEPT_ID = 1;

export type UserChangeKind = 'user_add_org' | 'user_modify_org' | 'user_leave_org' | 'user_active_org';
export type DeptChangeKind = 'org_dept_create' | 'org_dept_modify' | 'org_dept_remove';

/**
 * What changed in one person's profile, for `user_modify_org`'s `diffInfo` (§8.2): only the keys seen in DingTalk's
 * examples (managerUserid, hiredDate, name, telephone, email, jobNumber, workPlace), each only when it changed.
 */
export interface UserDiff {
  prev: Record<string, string | number | null>;
  curr: Record<string, string | number | null>;
}

/** One change of the address book, named after the DingTalk event it will become (§8.1). */
export type OrgChange = { kind: UserChangeKind; ids: string[]; diff?: UserDiff } | { kind: DeptChangeKind; ids: number[] };
