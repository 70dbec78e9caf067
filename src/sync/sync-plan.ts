/**
 * The plan step: turns a diff into an ordered list of operations for apply, with stable ids and dependencies, and
 * decides what the diff only reports — the leaver policy, and which gone units can be deleted.
 *
 * Order (every `dependsOn` names an earlier operation):
 * 1. unit creates and updates, parents before children (a move never makes a loop, even half applied);
 * 2. per person, by userid: create or link, then enable and update;
 * 3. per person: membership removals, then updates that clear `main`, other updates, adds (the membership that
 *    becomes main depends on the one that stops being main: one main membership per account);
 * 4. disables and deletes of leavers;
 * 5. unit deletes, children first, each depending on the removals and moves that empty it.
 *
 * Destructive operations (see `DESTRUCTIVE_OP_KINDS`) appear only when the snapshot was complete; the diff never
 * reports absences from an incomplete one, and the plan drops them again should one slip through.
 */
import type { DirectoryDiff, MembershipChange, PersonDiff, SyncInput } from './sync-diff.ts';
import { diffDirectory } from './sync-diff.ts';
import type { LocalDirectoryView, LocalUnit } from './local-directory-view.ts';
import {
  countOps,
  DESTRUCTIVE_OP_KINDS,
  destructiveCounts,
  type PlanOp,
  type PlanOpOf,
  type ReviewItem,
  type SyncPlan,
} from './plan-operation.ts';
import type { LeaverPolicy } from './sync-binding.ts';

const DAY_MS = 86_400_000;

/**
 * Plans a sync: crawl output and local directory in, operations out. Pure given `input.newId`.
 *
 * @example
 * const plan = planSync({ binding, snapshot, local, now: clock.now() });
 * const verdict = guardPlan(plan, { complete: snapshot.complete, thresholds, baseline: plan.baseline });
 * if (verdict.verdict === 'proceed') await apply(plan);
 */
export function planSync(input: SyncInput): SyncPlan {
  return planFromDiff(diffDirectory(input), input);
}

/**
 * The plan for a diff already computed (a dry run may show the diff and the plan side by side).
 *
 * @example
 * const diff = diffDirectory(input);
 * const plan = planFromDiff(diff, input);
 */
export function planFromDiff(diff: DirectoryDiff, input: Pick<SyncInput, 'binding' | 'local' | 'now'>): SyncPlan {
  const builder = new PlanBuilder();
  const review: ReviewItem[] = [...diff.review];

  const createOfDept = new Map<number, string>();
  const placementOfDept = new Map<number, string>(); // the op that creates or moves the department's unit
  const createOfUnit = new Map<string, string>();
  const movesOutOf = new Map<string, string[]>(); // old parent unit id → ids of the ops moving children away
  for (const change of diff.units) {
    const parentOp = change.parentDeptId === null ? undefined : placementOfDept.get(change.parentDeptId);
    if (change.change === 'create') {
      const parentCreate = change.parentDeptId === null ? undefined : createOfDept.get(change.parentDeptId);
      const id = builder.add<'unit.create'>({
        id: `unit.create/${change.deptId}`,
        dependsOn: present(parentCreate),
        kind: 'unit.create',
        unitId: change.unitId,
        deptId: change.deptId,
        name: change.name,
        parentId: change.parentId,
        sortOrder: change.sortOrder,
      });
      createOfDept.set(change.deptId, id);
      placementOfDept.set(change.deptId, id);
      createOfUnit.set(change.unitId, id);
      continue;
    }
    const id = builder.add<'unit.update'>({
      id: `unit.update/${change.deptId}`,
      dependsOn: change.moved ? present(parentOp) : [],
      kind: 'unit.update',
      unitId: change.unitId,
      deptId: change.deptId,
      changes: change.changes,
    });
    if (change.moved) {
      placementOfDept.set(change.deptId, id);
      const from = change.changes.find((c) => c.field === 'parentId')?.before;
      if (typeof from === 'string') movesOutOf.set(from, [...(movesOutOf.get(from) ?? []), id]);
    }
  }

  const removalsInUnit = new Map<string, string[]>();
  const leaverOps: PlanOp[] = [];
  for (const person of diff.people) {
    const accountOp = planAccount(builder, person);
    planMemberships(builder, person, accountOp, createOfUnit, removalsInUnit);
    if (person.state === 'absent') {
      const op = leaverOp(person, input.binding.leaverPolicy, input.now);
      if (op !== null) leaverOps.push(op);
    }
  }
  for (const op of leaverOps) builder.add(op);

  if (diff.complete) planUnitDeletes(builder, diff, input.local, removalsInUnit, movesOutOf, review);

  // From an incomplete snapshot only the removals of people DingTalk confirmed gone survive (an event batch).
  const gone = new Set(diff.confirmedGone ?? []);
  const ops = diff.complete
    ? builder.ops
    : builder.ops.filter((op) => !DESTRUCTIVE_OP_KINDS.includes(op.kind) || ('userid' in op && gone.has(op.userid)));
  return {
    version: 1,
    bindingId: input.binding.id,
    plannedAt: input.now,
    complete: diff.complete,
    baseline: diff.baseline,
    ops,
    counts: countOps(ops),
    destructive: destructiveCounts(ops),
    review,
  };
}

/**
 * Checks the ordering promise of a plan: ids are unique and every dependency is an earlier operation.
 * Returns the problems found (none for a plan made by {@link planSync}); for tests and for plans read back from storage.
 *
 * @example
 * expect(planOrderProblems(plan)).toEqual([]);
 */
export function planOrderProblems(plan: Pick<SyncPlan, 'ops'>): string[] {
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const op of plan.ops) {
    if (seen.has(op.id)) problems.push(`${op.id}: duplicate id`);
    for (const dependency of op.dependsOn) {
      if (!seen.has(dependency)) problems.push(`${op.id}: depends on ${dependency}, which is not an earlier operation`);
    }
    seen.add(op.id);
  }
  return problems;
}

class PlanBuilder {
  readonly ops: PlanOp[] = [];

  add<K extends PlanOp['kind']>(op: PlanOpOf<K>): string {
    // The same key order for every op, so a stored plan reads well in a dry run.
    const { id, kind, dependsOn, ...rest } = op;
    this.ops.push({ id, kind, dependsOn, ...rest } as PlanOp);
    return id;
  }
}

/** The account's own operations; returns the id of the create or link that its memberships depend on. */
function planAccount(builder: PlanBuilder, person: PersonDiff): string | null {
  const { userid, accountId } = person;
  switch (person.state) {
    case 'new':
      return builder.add<'account.create'>({
        id: `account.create/${userid}`,
        dependsOn: [],
        kind: 'account.create',
        accountId,
        userid,
        unionid: person.unionid,
        values: person.values,
      });
    case 'matched': {
      const link = builder.add<'account.link'>({
        id: `account.link/${userid}`,
        dependsOn: [],
        kind: 'account.link',
        accountId,
        userid,
        unionid: person.unionid,
        rule: person.rule,
      });
      if (person.changes.length > 0) {
        builder.add<'account.update'>({ id: `account.update/${userid}`, dependsOn: [link], kind: 'account.update', accountId, userid, changes: person.changes });
      }
      return link;
    }
    case 'linked':
      if (person.rehire !== null) {
        builder.add<'account.enable'>({
          id: `account.enable/${userid}`,
          dependsOn: [],
          kind: 'account.enable',
          accountId,
          userid,
          disabledAt: person.rehire.disabledAt,
        });
      }
      if (person.changes.length > 0) {
        builder.add<'account.update'>({ id: `account.update/${userid}`, dependsOn: [], kind: 'account.update', accountId, userid, changes: person.changes });
      }
      return null;
    case 'absent':
      return null;
  }
}

function planMemberships(
  builder: PlanBuilder,
  person: PersonDiff,
  accountOp: string | null,
  createOfUnit: ReadonlyMap<string, string>,
  removalsInUnit: Map<string, string[]>,
): void {
  const { userid, accountId } = person;
  const rank = (change: MembershipChange): number =>
    change.change === 'remove' ? 0 : change.change === 'update' ? (clearsMain(change) ? 1 : 2) : 3;
  const ordered = [...person.memberships].sort((a, b) => rank(a) - rank(b));
  const clearing: string[] = [];
  for (const change of ordered) {
    const dependsOn = [...present(accountOp ?? undefined), ...present(createOfUnit.get(change.unitId))];
    const target = { accountId, userid, unitId: change.unitId, deptId: change.deptId };
    if (change.change === 'remove') {
      const id = builder.add<'membership.remove'>({
        id: `membership.remove/${change.deptId}/${userid}`,
        kind: 'membership.remove',
        dependsOn,
        ...target,
        reason: person.state === 'absent' ? 'account_left' : 'left_department',
      });
      removalsInUnit.set(change.unitId, [...(removalsInUnit.get(change.unitId) ?? []), id]);
      if (change.wasMain) clearing.push(id);
    } else if (change.change === 'update') {
      const setsMain = change.changes.some((c) => c.field === 'main' && c.after === true);
      const id = builder.add<'membership.update'>({
        id: `membership.update/${change.deptId}/${userid}`,
        kind: 'membership.update',
        dependsOn: [...dependsOn, ...(setsMain ? clearing : [])],
        ...target,
        changes: change.changes,
      });
      if (clearsMain(change)) clearing.push(id);
    } else {
      builder.add<'membership.add'>({
        id: `membership.add/${change.deptId}/${userid}`,
        kind: 'membership.add',
        dependsOn: [...dependsOn, ...(change.main ? clearing : [])],
        ...target,
        order: change.order,
        leader: change.leader,
        main: change.main,
      });
    }
  }
}

function clearsMain(change: MembershipChange): boolean {
  return change.change === 'update' && change.changes.some((c) => c.field === 'main' && c.after === false);
}

/**
 * The leaver policy: an enabled leaver is disabled; one sync disabled is deleted once `deleteAfterDays` have passed
 * since it was disabled. Accounts an administrator disabled are theirs to delete, and an account still linked to
 * another binding only loses this binding's memberships.
 */
function leaverOp(person: Extract<PersonDiff, { state: 'absent' }>, policy: LeaverPolicy, now: number): PlanOp | null {
  const { userid, accountId } = person;
  if (person.linkedElsewhere) return null;
  if (person.status === 'enabled') {
    return { id: `account.disable/${userid}`, dependsOn: [], kind: 'account.disable', accountId, userid };
  }
  const days = policy.deleteAfterDays;
  if (person.disabledBy !== 'sync' || days === null || person.disabledAt === null) return null;
  if (now - person.disabledAt < days * DAY_MS) return null;
  return {
    id: `account.delete/${userid}`,
    dependsOn: [],
    kind: 'account.delete',
    accountId,
    userid,
    disabledAt: person.disabledAt,
    deleteAfterDays: days,
  };
}

/** A gone unit is deleted only when the plan leaves it empty: no member, no child unit that stays. */
function planUnitDeletes(
  builder: PlanBuilder,
  diff: DirectoryDiff,
  local: LocalDirectoryView,
  removalsInUnit: ReadonlyMap<string, string[]>,
  movesOutOf: ReadonlyMap<string, string[]>,
  review: ReviewItem[],
): void {
  const unitsById = new Map(local.units.map((unit) => [unit.id, unit]));
  const children = new Map<string, LocalUnit[]>();
  for (const unit of local.units) {
    if (unit.parentId !== null) children.set(unit.parentId, [...(children.get(unit.parentId) ?? []), unit]);
  }
  const members = new Map<string, number>();
  for (const membership of local.memberships) members.set(membership.unitId, (members.get(membership.unitId) ?? 0) + 1);
  const movedAway = new Set(diff.units.flatMap((change) => (change.change === 'update' && change.moved ? [change.unitId] : [])));

  const depth = (unitId: string): number => {
    const seen = new Set<string>();
    let level = 0;
    for (let unit = unitsById.get(unitId); unit?.parentId != null && !seen.has(unit.id); unit = unitsById.get(unit.parentId)) {
      seen.add(unit.id);
      level++;
    }
    return level;
  };
  const gone = [...diff.goneUnits].sort((a, b) => depth(b.unitId) - depth(a.unitId) || a.deptId - b.deptId);
  const deleted = new Map<string, string>();
  for (const unit of gone) {
    const removals = removalsInUnit.get(unit.unitId) ?? [];
    const staying = (children.get(unit.unitId) ?? []).filter((child) => !movedAway.has(child.id));
    const emptied = (members.get(unit.unitId) ?? 0) === removals.length && staying.every((child) => deleted.has(child.id));
    if (!emptied) {
      review.push({ kind: 'unit_not_empty', unitId: unit.unitId, deptId: unit.deptId });
      continue;
    }
    const id = builder.add<'unit.delete'>({
      id: `unit.delete/${unit.deptId}`,
      dependsOn: [...removals, ...staying.flatMap((child) => present(deleted.get(child.id))), ...(movesOutOf.get(unit.unitId) ?? [])],
      kind: 'unit.delete',
      unitId: unit.unitId,
      deptId: unit.deptId,
      name: unit.name,
      reason: unit.reason,
    });
    deleted.set(unit.unitId, id);
  }
}

function present(id: string | undefined): string[] {
  return id === undefined ? [] : [id];
}
