/**
 * The diff step: what differs between a DingTalk snapshot, seen through a binding's scope and mapping, and the
 * local directory — object by object, as facts. Deciding what to do about them (leaver policy, which units can
 * go, the order and the dependencies of the operations) is the plan's job (`sync-plan.ts`).
 *
 * One principle runs through it: absence is only known from a complete snapshot. From an incomplete one (a failed
 * listing, or a department whose parent chain leaves the snapshot or loops) the diff reports what it saw and
 * nothing that is missing: no gone unit, no absent person, no membership to remove.
 *
 * Pure: the same input (and `newId` sequence) gives the same diff.
 */
import { randomUUID } from 'node:crypto';
import { matchAccounts, type MatchSubject } from './account-matching.ts';
import type { AddressBookSnapshot, SnapshotUser } from './address-book-crawl.ts';
import {
  comparableText,
  fieldChanges,
  initialFieldValues,
  mapUserRecord,
  type FieldChange,
  type MappingTarget,
} from './field-mapping.ts';
import type { DisabledBy, LocalDirectoryView, LocalMembership, LocalUnit } from './local-directory-view.ts';
import type { PlanBaseline, ReviewItem } from './plan-operation.ts';
import { ROOT_DEPT_ID, type SyncBinding, type SyncScope } from './sync-binding.ts';

export interface SyncInput {
  binding: SyncBinding;
  snapshot: AddressBookSnapshot;
  local: LocalDirectoryView;
  /** Epoch milliseconds, from the caller's clock: grace periods are measured against it. */
  now: number;
  /** Makes ids for new units and accounts (the directory takes ids made before insert); `crypto.randomUUID` by default. */
  newId?: () => string;
  /**
   * People DingTalk confirmed gone (`dingtalk.not_found` on `v2/user/get` after `user_leave_org`): from an
   * incomplete snapshot (an event batch) they are the only absences reported, so they become leavers.
   */
  confirmedGone?: ReadonlySet<string>;
}

/** A synced department where the binding puts it: under the unit of its nearest synced ancestor, or the target. */
export interface PlacedDepartment {
  deptId: number;
  /** Empty when the snapshot does not know it (a crawl root whose name was not passed to the crawl). */
  name: string;
  /** The nearest synced ancestor; null when there is none and the unit goes directly under the target unit. */
  parentDeptId: number | null;
  /** Position among its siblings as DingTalk lists them (`listsub` order, kept by the snapshot). */
  sortOrder: number;
}

export interface DepartmentProjection {
  /** Synced departments (in scope, placed), parents before children; the root department 1 stands for the target unit. */
  managed: Map<number, PlacedDepartment>;
  /** Departments whose parent chain leaves the snapshot or loops. */
  unplaced: Map<number, 'parent_missing' | 'cycle'>;
  /** The first department of each unplaced chain (the one whose parent is missing, or those on the loop). */
  unplacedHeads: Map<number, 'parent_missing' | 'cycle'>;
}

export type UnitChange =
  | { change: 'create'; unitId: string; deptId: number; name: string; parentId: string; parentDeptId: number | null; sortOrder: number }
  | { change: 'update'; unitId: string; deptId: number; changes: FieldChange[]; parentDeptId: number | null; moved: boolean };

export interface GoneUnit {
  unitId: string;
  deptId: number;
  name: string;
  reason: 'department_gone' | 'out_of_scope';
}

export type MembershipChange =
  | { change: 'add'; unitId: string; deptId: number; order: number; leader: boolean; main: boolean }
  | { change: 'update'; unitId: string; deptId: number; changes: FieldChange[] }
  | { change: 'remove'; unitId: string; deptId: number; wasMain: boolean };

export type PersonDiff =
  | { state: 'new'; userid: string; unionid: string | null; accountId: string; values: Record<string, string>; memberships: MembershipChange[] }
  | {
      state: 'matched';
      userid: string;
      unionid: string | null;
      accountId: string;
      rule: string;
      changes: FieldChange[];
      memberships: MembershipChange[];
    }
  | {
      state: 'linked';
      userid: string;
      accountId: string;
      changes: FieldChange[];
      /** Disabled by sync and present again: a re-hire. */
      rehire: { disabledAt: number | null } | null;
      memberships: MembershipChange[];
    }
  | {
      state: 'absent';
      userid: string;
      accountId: string;
      status: 'enabled' | 'disabled';
      disabledAt: number | null;
      disabledBy: DisabledBy | null;
      linkedElsewhere: boolean;
      memberships: MembershipChange[];
    };

export interface DirectoryDiff {
  /** The snapshot was complete and consistent: absences are facts. */
  complete: boolean;
  /** Creates and updates, parents before children (so a move never makes a loop, even half applied). */
  units: UnitChange[];
  goneUnits: GoneUnit[];
  /** Present people by userid, then absent ones by userid. */
  people: PersonDiff[];
  review: ReviewItem[];
  baseline: PlanBaseline;
  /** Userids reported absent from an incomplete snapshot because DingTalk confirmed them gone (`SyncInput.confirmedGone`). */
  confirmedGone?: string[];
}

/**
 * Compares a snapshot with the local directory for one binding.
 *
 * @example
 * const diff = diffDirectory({ binding, snapshot, local, now: clock.now() });
 * diff.people.filter((p) => p.state === 'new').length; // people to create
 */
export function diffDirectory(input: SyncInput): DirectoryDiff {
  const { binding, snapshot, local } = input;
  const newId = input.newId ?? (() => randomUUID());
  const projection = projectDepartments(binding.scope, snapshot);
  const complete = snapshot.complete && projection.unplaced.size === 0;
  const review: ReviewItem[] = [...projection.unplacedHeads]
    .sort(([a], [b]) => a - b)
    .map(([deptId, reason]) => ({ kind: 'unplaced_department' as const, deptId, reason }));

  // Units: the target stands for department 1; a unit linked to department 1 anyway is left alone like the target.
  const linkedUnits = local.units.filter(
    (unit): unit is LocalUnit & { deptId: number } =>
      unit.deptId !== null && unit.id !== binding.targetUnitId && unit.deptId !== ROOT_DEPT_ID,
  );
  const unitByDept = new Map(linkedUnits.map((unit) => [unit.deptId, unit]));
  const unitIdByDept = new Map<number, string>([[ROOT_DEPT_ID, binding.targetUnitId]]);
  for (const deptId of projection.managed.keys()) {
    if (deptId !== ROOT_DEPT_ID) unitIdByDept.set(deptId, unitByDept.get(deptId)?.id ?? newId());
  }
  const units = diffUnits(projection, unitByDept, unitIdByDept, binding.targetUnitId);
  const goneUnits: GoneUnit[] = [];
  if (complete) {
    for (const unit of linkedUnits) {
      if (projection.managed.has(unit.deptId)) continue;
      const reason = snapshot.departments.has(unit.deptId) ? 'out_of_scope' : 'department_gone';
      goneUnits.push({ unitId: unit.id, deptId: unit.deptId, name: unit.name, reason });
    }
  }

  // Memberships sync owns: those in units linked to this binding, and in the target unit when department 1 is synced.
  const deptOfUnit = new Map<string, number>(linkedUnits.map((unit) => [unit.id, unit.deptId]));
  if (projection.managed.has(ROOT_DEPT_ID)) deptOfUnit.set(binding.targetUnitId, ROOT_DEPT_ID);
  const managedMemberships = new Map<string, LocalMembership[]>();
  const mainOutsideManaged = new Set<string>();
  for (const membership of local.memberships) {
    if (deptOfUnit.has(membership.unitId)) {
      managedMemberships.set(membership.accountId, [...(managedMemberships.get(membership.accountId) ?? []), membership]);
    } else if (membership.main) {
      mainOutsideManaged.add(membership.accountId);
    }
  }

  const memberships = (accountId: string, mainBlocked: boolean, user: SnapshotUser | null): MembershipChange[] =>
    diffMemberships({
      current: managedMemberships.get(accountId) ?? [],
      user,
      projection,
      snapshot,
      unitIdByDept,
      deptOfUnit,
      complete,
      mainBlocked: mainBlocked || mainOutsideManaged.has(accountId),
    });

  const present = [...snapshot.users.values()]
    .filter((user) => user.memberships.some((m) => projection.managed.has(m.deptId)))
    .sort((a, b) => compareText(a.userid, b.userid));
  const presentIds = new Set(present.map((user) => user.userid));
  const linkedByUserid = new Map(local.accounts.map((account) => [account.userid, account]));
  const candidatesById = new Map(local.candidates.map((candidate) => [candidate.id, candidate]));
  const usernames = new UsernameRegistry([...local.accounts, ...local.candidates]);
  const people: PersonDiff[] = [];

  const unlinked: MatchSubject[] = [];
  for (const user of present) {
    const account = linkedByUserid.get(user.userid);
    if (account === undefined) {
      unlinked.push({ userid: user.userid, record: user.record });
      continue;
    }
    const changes = usernames.vetChanges(
      fieldChanges(binding.mapping, mapUserRecord(binding.mapping, user.record), account.fields),
      account.id,
      user.userid,
      review,
    );
    const unionid = unionidOf(user);
    if (unionid !== null && unionid !== account.unionid) changes.push({ field: 'link.unionid', before: account.unionid, after: unionid });
    people.push({
      state: 'linked',
      userid: user.userid,
      accountId: account.id,
      changes,
      rehire: account.status === 'disabled' && account.disabledBy === 'sync' ? { disabledAt: account.disabledAt } : null,
      memberships: memberships(account.id, account.mainElsewhere, user),
    });
  }

  const users = new Map(present.map((user) => [user.userid, user]));
  for (const outcome of matchAccounts(unlinked, local.candidates, binding.matching)) {
    const user = users.get(outcome.userid);
    if (user === undefined) continue;
    const mapped = mapUserRecord(binding.mapping, user.record);
    if (outcome.outcome === 'ambiguous') {
      review.push({ kind: 'ambiguous_match', userid: user.userid, rule: outcome.rule, candidateIds: outcome.candidateIds });
    } else if (outcome.outcome === 'contested') {
      review.push({ kind: 'contested_match', userid: user.userid, rule: outcome.rule, accountId: outcome.accountId, rivals: outcome.rivals });
    } else if (outcome.outcome === 'matched') {
      const candidate = candidatesById.get(outcome.accountId);
      if (candidate === undefined) continue;
      people.push({
        state: 'matched',
        userid: user.userid,
        unionid: unionidOf(user),
        accountId: candidate.id,
        rule: outcome.rule,
        changes: usernames.vetChanges(fieldChanges(binding.mapping, mapped, candidate.fields), candidate.id, user.userid, review),
        memberships: memberships(candidate.id, candidate.mainElsewhere, user),
      });
    } else {
      const { values, missing } = initialFieldValues(binding.mapping, mapped);
      if (missing.length > 0) {
        review.push({ kind: 'missing_required', userid: user.userid, fields: missing });
        continue;
      }
      const accountId = newId();
      if (!usernames.claim(values['username'] ?? '', accountId, user.userid, review)) continue;
      people.push({
        state: 'new',
        userid: user.userid,
        unionid: unionidOf(user),
        accountId,
        values,
        memberships: memberships(accountId, false, user),
      });
    }
  }
  people.sort((a, b) => compareText(a.userid, b.userid));

  const confirmedGone = complete ? [] : local.accounts.filter((a) => input.confirmedGone?.has(a.userid) === true && !presentIds.has(a.userid));
  if (complete || confirmedGone.length > 0) {
    const absent = complete ? local.accounts.filter((account) => !presentIds.has(account.userid)) : confirmedGone;
    for (const account of absent.sort((a, b) => compareText(a.userid, b.userid))) {
      people.push({
        state: 'absent',
        userid: account.userid,
        accountId: account.id,
        status: account.status,
        disabledAt: account.disabledAt,
        disabledBy: account.disabledBy,
        linkedElsewhere: account.linkedElsewhere,
        memberships: memberships(account.id, true, null),
      });
    }
  }

  const linkedAccountIds = new Set(local.accounts.map((account) => account.id));
  const baseline: PlanBaseline = {
    accounts: local.accounts.length,
    units: linkedUnits.length,
    memberships: local.memberships.filter((m) => deptOfUnit.has(m.unitId) && linkedAccountIds.has(m.accountId)).length,
  };
  return {
    complete,
    units,
    goneUnits,
    people,
    review,
    baseline,
    ...(confirmedGone.length > 0 ? { confirmedGone: confirmedGone.map((a) => a.userid) } : {}),
  };
}

/**
 * Which departments a scope syncs and where each one goes, from the snapshot alone.
 *
 * @example
 * projectDepartments({ kind: 'all' }, snapshot).managed.get(42)?.parentDeptId; // 1: directly under the target unit
 */
export function projectDepartments(scope: SyncScope, snapshot: AddressBookSnapshot): DepartmentProjection {
  const { departments } = snapshot;
  const placement = new Map<number, 'placed' | 'parent_missing' | 'cycle'>();
  const unplacedHeads = new Map<number, 'parent_missing' | 'cycle'>();
  for (const start of departments.keys()) {
    const chain: number[] = [];
    let result: 'placed' | 'parent_missing' | 'cycle' | undefined;
    for (let current: number | null = start; result === undefined; ) {
      const known = placement.get(current);
      const department = departments.get(current);
      if (known !== undefined) {
        result = known;
      } else if (chain.includes(current)) {
        result = 'cycle';
        for (const deptId of chain.slice(chain.indexOf(current))) unplacedHeads.set(deptId, 'cycle');
      } else if (department === undefined) {
        result = 'parent_missing';
        const head = chain.at(-1);
        if (head !== undefined) unplacedHeads.set(head, 'parent_missing');
      } else {
        chain.push(current);
        if (department.parentId === null) result = 'placed';
        else current = department.parentId;
      }
    }
    for (const deptId of chain) placement.set(deptId, result);
  }

  const chosen = new Map<number, boolean>(scope.kind === 'all' ? [] : scope.departments.map((d) => [d.deptId, d.subtree]));
  const covered = new Map<number, boolean>(); // the department or an ancestor is chosen with its subtree
  const isCovered = (deptId: number | null): boolean => {
    if (deptId === null) return false;
    const known = covered.get(deptId);
    if (known !== undefined) return known;
    const value = chosen.get(deptId) === true || isCovered(departments.get(deptId)?.parentId ?? null);
    covered.set(deptId, value);
    return value;
  };
  const inScope = (deptId: number): boolean =>
    scope.kind === 'all' || chosen.has(deptId) || isCovered(departments.get(deptId)?.parentId ?? null);

  const siblings = new Map<number | null, number>();
  const positions = new Map<number, number>();
  for (const department of departments.values()) {
    const position = siblings.get(department.parentId) ?? 0;
    positions.set(department.deptId, position);
    siblings.set(department.parentId, position + 1);
  }

  const synced = new Set([...departments.keys()].filter((deptId) => placement.get(deptId) === 'placed' && inScope(deptId)));
  const children = new Map<number | null, PlacedDepartment[]>();
  for (const deptId of synced) {
    const department = departments.get(deptId);
    if (department === undefined) continue;
    let parentDeptId = department.parentId;
    while (parentDeptId !== null && !synced.has(parentDeptId)) parentDeptId = departments.get(parentDeptId)?.parentId ?? null;
    if (deptId === ROOT_DEPT_ID) parentDeptId = null;
    const placed = { deptId, name: department.name.trim(), parentDeptId, sortOrder: positions.get(deptId) ?? 0 };
    children.set(parentDeptId, [...(children.get(parentDeptId) ?? []), placed]);
  }

  const managed = new Map<number, PlacedDepartment>();
  const visit = (parentDeptId: number | null): void => {
    const list = (children.get(parentDeptId) ?? []).sort((a, b) => a.sortOrder - b.sortOrder || a.deptId - b.deptId);
    for (const department of list) {
      managed.set(department.deptId, department);
      visit(department.deptId);
    }
  };
  visit(null);

  const unplaced = new Map<number, 'parent_missing' | 'cycle'>();
  for (const [deptId, state] of placement) if (state !== 'placed') unplaced.set(deptId, state);
  return { managed, unplaced, unplacedHeads };
}

function diffUnits(
  projection: DepartmentProjection,
  unitByDept: ReadonlyMap<number, LocalUnit>,
  unitIdByDept: ReadonlyMap<number, string>,
  targetUnitId: string,
): UnitChange[] {
  const changes: UnitChange[] = [];
  for (const department of projection.managed.values()) {
    if (department.deptId === ROOT_DEPT_ID) continue;
    const parentId =
      department.parentDeptId === null ? targetUnitId : (unitIdByDept.get(department.parentDeptId) ?? targetUnitId);
    const unit = unitByDept.get(department.deptId);
    if (unit === undefined) {
      changes.push({
        change: 'create',
        unitId: unitIdByDept.get(department.deptId) ?? '',
        deptId: department.deptId,
        // A crawl root's name is unknown unless the caller passed it; a unit needs one all the same.
        name: department.name === '' ? `DingTalk department ${department.deptId}` : department.name,
        parentId,
        parentDeptId: department.parentDeptId,
        sortOrder: department.sortOrder,
      });
      continue;
    }
    const fieldChanges: FieldChange[] = [];
    if (department.name !== '' && department.name !== unit.name) fieldChanges.push({ field: 'name', before: unit.name, after: department.name });
    if (parentId !== unit.parentId) fieldChanges.push({ field: 'parentId', before: unit.parentId, after: parentId });
    if (department.sortOrder !== unit.sortOrder) fieldChanges.push({ field: 'sortOrder', before: unit.sortOrder, after: department.sortOrder });
    if (fieldChanges.length > 0) {
      changes.push({
        change: 'update',
        unitId: unit.id,
        deptId: department.deptId,
        changes: fieldChanges,
        parentDeptId: department.parentDeptId,
        moved: parentId !== unit.parentId,
      });
    }
  }
  return changes;
}

interface MembershipDiffInput {
  current: readonly LocalMembership[];
  /** Null for a person absent from a complete snapshot: every membership goes. */
  user: SnapshotUser | null;
  projection: DepartmentProjection;
  snapshot: AddressBookSnapshot;
  unitIdByDept: ReadonlyMap<number, string>;
  deptOfUnit: ReadonlyMap<string, number>;
  complete: boolean;
  /** The account's main membership is outside the units sync owns: none of these may be main. */
  mainBlocked: boolean;
}

function diffMemberships(input: MembershipDiffInput): MembershipChange[] {
  const { current, user, projection, unitIdByDept, deptOfUnit, complete } = input;
  const wanted = (user?.memberships ?? []).flatMap((membership) => {
    const unitId = unitIdByDept.get(membership.deptId);
    if (!projection.managed.has(membership.deptId) || unitId === undefined) return [];
    return [{ unitId, deptId: membership.deptId, order: membership.order ?? 0, leader: membership.leader }];
  });
  // The main department is the first synced one in DingTalk's dept_id_list order (the crawl keeps that order).
  const mainDeptId = input.mainBlocked ? null : (wanted[0]?.deptId ?? null);
  const certain = user === null || complete || mainIsCertain(user, mainDeptId, input);
  const byUnit = new Map(current.map((membership) => [membership.unitId, membership]));
  const changes: MembershipChange[] = [];
  const kept = new Set<string>();

  for (const membership of wanted) {
    const existing = byUnit.get(membership.unitId);
    kept.add(membership.unitId);
    const main = certain ? membership.deptId === mainDeptId : (existing?.main ?? false);
    if (existing === undefined) {
      changes.push({ change: 'add', ...membership, main });
      continue;
    }
    const fieldChanges: FieldChange[] = [];
    if (existing.order !== membership.order) fieldChanges.push({ field: 'order', before: existing.order, after: membership.order });
    if (existing.leader !== membership.leader) fieldChanges.push({ field: 'leader', before: existing.leader, after: membership.leader });
    if (existing.main !== main) fieldChanges.push({ field: 'main', before: existing.main, after: main });
    if (fieldChanges.length > 0) changes.push({ change: 'update', unitId: membership.unitId, deptId: membership.deptId, changes: fieldChanges });
  }
  for (const existing of current) {
    if (kept.has(existing.unitId)) continue;
    const deptId = deptOfUnit.get(existing.unitId) ?? 0;
    // A person absent (user null) is only reported from a complete snapshot or when DingTalk confirmed them gone.
    if (complete || user === null) {
      changes.push({ change: 'remove', unitId: existing.unitId, deptId, wasMain: existing.main });
    } else if (existing.main && certain && mainDeptId !== null) {
      // Kept because its absence is not known, but the main membership is known to be elsewhere now.
      changes.push({ change: 'update', unitId: existing.unitId, deptId, changes: [{ field: 'main', before: true, after: false }] });
    }
  }
  return changes;
}

/**
 * From an incomplete snapshot the first synced membership seen may not be the person's real first one: it is
 * only trusted when every department DingTalk lists before it is known to be outside the synced set.
 */
function mainIsCertain(user: SnapshotUser, mainDeptId: number | null, input: MembershipDiffInput): boolean {
  for (const deptId of user.record.dept_id_list ?? []) {
    if (deptId === mainDeptId) return true;
    const known = input.snapshot.departments.has(deptId) && !input.projection.unplaced.has(deptId);
    if (!known || input.projection.managed.has(deptId)) return false;
  }
  return false;
}

function unionidOf(user: SnapshotUser): string | null {
  const unionid = user.record['unionid'];
  return typeof unionid === 'string' && unionid !== '' ? unionid : null;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Usernames are unique ignoring case (the `lower(username)` index): a plan never writes one that is taken. */
class UsernameRegistry {
  private readonly holders = new Map<string, string>();

  constructor(accounts: readonly { id: string; fields: { username: string } }[]) {
    for (const account of accounts) {
      const key = comparableText('username', account.fields.username);
      if (key !== null) this.holders.set(key, account.id);
    }
  }

  /** Takes `username` for `accountId`; false (and a review item) when another account holds it. */
  claim(username: string, accountId: string, userid: string, review: ReviewItem[]): boolean {
    const key = comparableText('username', username);
    if (key === null) return false;
    const holder = this.holders.get(key);
    if (holder !== undefined && holder !== accountId) {
      review.push({ kind: 'username_taken', userid, username, accountId: holder });
      return false;
    }
    this.holders.set(key, accountId);
    return true;
  }

  /** Drops a username change to a taken name (the rest of the account's changes go ahead). */
  vetChanges(changes: FieldChange[], accountId: string, userid: string, review: ReviewItem[]): FieldChange[] {
    return changes.filter(
      (change) =>
        change.field !== ('username' satisfies MappingTarget) ||
        typeof change.after !== 'string' ||
        this.claim(change.after, accountId, userid, review),
    );
  }
}
