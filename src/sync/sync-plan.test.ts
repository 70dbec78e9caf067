import { describe, expect, it } from 'vitest';
import { presetRule } from './account-matching.ts';
import type { AddressBookSnapshot } from './address-book-crawl.ts';
import { applyPlanInMemory } from './apply-plan-in-memory.test-support.ts';
import { defaultFieldMapping } from './field-mapping.ts';
import { emptyDirectoryView, type LocalDirectoryView, type LocalLinkedAccount } from './local-directory-view.ts';
import { syncPlanSchema, type PlanOp, type SyncPlan } from './plan-operation.ts';
import { buildSnapshot, type SnapshotSpec } from './random-organization.test-support.ts';
import type { SyncBinding } from './sync-binding.ts';
import { planOrderProblems, planSync } from './sync-plan.ts';

const T = 'target';
const DAY = 86_400_000;

function bindingWith(overrides: Partial<SyncBinding> = {}): SyncBinding {
  return {
    id: 'binding-1',
    corpId: 'ding-corp',
    targetUnitId: T,
    scope: { kind: 'all' },
    mapping: defaultFieldMapping(),
    matching: [],
    leaverPolicy: { deleteAfterDays: 30 },
    ...overrides,
  };
}

function counter(prefix: string): () => string {
  let next = 0;
  return () => `${prefix}${next++}`;
}

// Ids unique across every plan of this file: a plan against a directory made by an earlier plan must not reuse one.
let plans = 0;

function plan(snapshot: AddressBookSnapshot, local: LocalDirectoryView, options: { now?: number; binding?: SyncBinding; newId?: () => string } = {}): SyncPlan {
  const result = planSync({ binding: options.binding ?? bindingWith(), snapshot, local, now: options.now ?? 0, newId: options.newId ?? counter(`p${plans++}-`) });
  expect(planOrderProblems(result)).toEqual([]);
  return result;
}

function apply(local: LocalDirectoryView, result: SyncPlan, now = 0): LocalDirectoryView {
  const applied = applyPlanInMemory(local, result, { now, targetUnitId: T });
  expect(applied.results.filter((r) => r.status !== 'applied')).toEqual([]);
  return applied.local;
}

/** Plan and apply from an empty directory: the state after a first sync. */
function synced(spec: SnapshotSpec, binding = bindingWith()): LocalDirectoryView {
  return apply(emptyDirectoryView(), plan(buildSnapshot(spec), emptyDirectoryView(), { binding }));
}

const outline = (ops: readonly PlanOp[]): [string, string[]][] => ops.map((op) => [op.id, op.dependsOn]);

const org: SnapshotSpec = {
  departments: [
    [1, '', null],
    [2, '研发部', 1],
    [3, '前端组', 2],
  ],
  users: [
    { userid: 'u1', record: { name: '张三', mobile: '13800000001', state_code: '86' }, memberships: [[3, 5, true], [1, 2]] },
    { userid: 'u2', record: { name: '李四' }, memberships: [[2]] },
  ],
};

function linkedAccount(local: LocalDirectoryView, userid: string): LocalLinkedAccount {
  const account = local.accounts.find((a) => a.userid === userid);
  if (account === undefined) throw new Error(`no account for ${userid}`);
  return account;
}

describe('planSync: a first sync', () => {
  it('creates units parents first, then each person with their memberships; department 1 is the target unit', () => {
    const result = plan(buildSnapshot(org), emptyDirectoryView(), { newId: counter('new-') });
    expect(outline(result.ops)).toEqual([
      ['unit.create/2', []],
      ['unit.create/3', ['unit.create/2']],
      ['account.create/u1', []],
      ['membership.add/3/u1', ['account.create/u1', 'unit.create/3']],
      ['membership.add/1/u1', ['account.create/u1']],
      ['account.create/u2', []],
      ['membership.add/2/u2', ['account.create/u2', 'unit.create/2']],
    ]);
    expect(result.ops[0]).toEqual({ id: 'unit.create/2', kind: 'unit.create', dependsOn: [], unitId: 'new-0', deptId: 2, name: '研发部', parentId: T, sortOrder: 0 });
    expect(result.ops[2]).toMatchObject({
      kind: 'account.create',
      unionid: 'union-u1',
      values: { username: 'u1', displayName: '张三', mobile: '+86 13800000001' },
    });
    expect(result.ops.slice(3, 5)).toMatchObject([
      { unitId: 'new-1', order: 5, leader: true, main: true },
      { unitId: T, order: 2, leader: false, main: false },
    ]);
    expect(result.counts).toMatchObject({ 'unit.create': 2, 'account.create': 2, 'membership.add': 3, 'unit.delete': 0 });
    expect(result.destructive).toEqual({ accounts: 0, units: 0, memberships: 0 });
  });

  it('is plain JSON that parses back to itself', () => {
    const result = plan(buildSnapshot(org), emptyDirectoryView());
    const stored: unknown = JSON.parse(JSON.stringify(result));
    expect(stored).toEqual(result);
    expect(syncPlanSchema.parse(stored)).toEqual(result);
  });

  it('makes uuids when no id maker is given', () => {
    const result = planSync({ binding: bindingWith(), snapshot: buildSnapshot(org), local: emptyDirectoryView(), now: 0 });
    expect(result.ops[0]).toMatchObject({ unitId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  });

  it('names an unnamed crawl root after its department id', () => {
    const result = plan(buildSnapshot({ departments: [[42, '', null]], users: [] }), emptyDirectoryView(), {
      binding: bindingWith({ scope: { kind: 'departments', departments: [{ deptId: 42, subtree: true }] } }),
    });
    expect(result.ops).toMatchObject([{ kind: 'unit.create', name: 'DingTalk department 42', parentId: T }]);
  });
});

describe('planSync: departments', () => {
  it('renames and moves, a move under a new department depending on its creation', () => {
    const local = synced(org);
    const snapshot = buildSnapshot({
      departments: [
        [1, '', null],
        [2, '研发中心', 1],
        [4, '平台部', 1],
        [3, '前端组', 4],
      ],
      users: org.users,
    });
    const result = plan(snapshot, local);
    expect(outline(result.ops)).toEqual([
      ['unit.update/2', []],
      ['unit.create/4', []],
      ['unit.update/3', ['unit.create/4']],
    ]);
    expect(result.ops[0]).toMatchObject({ changes: [{ field: 'name', before: '研发部', after: '研发中心' }] });
    const unitOf = (deptId: number): string | undefined => local.units.find((u) => u.deptId === deptId)?.id;
    expect(result.ops[1]).toMatchObject({ parentId: T });
    expect(result.ops[2]).toMatchObject({ changes: [{ field: 'parentId', before: unitOf(2), after: result.ops[1]?.kind === 'unit.create' ? result.ops[1].unitId : '' }] });
    apply(local, result);
  });

  it('turns a parent and child around without ever making a loop', () => {
    const local = synced(org);
    const snapshot = buildSnapshot({
      departments: [
        [1, '', null],
        [3, '前端组', 1],
        [2, '研发部', 3],
      ],
      users: org.users,
    });
    const result = plan(snapshot, local);
    expect(outline(result.ops)).toEqual([
      ['unit.update/3', []],
      ['unit.update/2', ['unit.update/3']],
    ]);
    const after = apply(local, result);
    expect(plan(snapshot, after).ops).toEqual([]);
  });

  it('deletes a gone department after its members left it, children first', () => {
    const local = synced(org);
    const snapshot = buildSnapshot({ departments: [[1, '', null]], users: [{ userid: 'u1', memberships: [[1]] }, { userid: 'u2', memberships: [[1]] }] });
    const result = plan(snapshot, local);
    expect(outline(result.ops.filter((op) => !('userid' in op) || op.userid !== 'u2'))).toEqual([
      ['account.update/u1', []],
      ['membership.remove/3/u1', []],
      ['membership.update/1/u1', ['membership.remove/3/u1']],
      ['unit.delete/3', ['membership.remove/3/u1']],
      ['unit.delete/2', ['membership.remove/2/u2', 'unit.delete/3']],
    ]);
    expect(result.destructive).toEqual({ accounts: 0, units: 2, memberships: 2 });
    apply(local, result);
  });

  it('keeps a gone unit that still holds a local member or a local unit, for review', () => {
    const local = synced(org);
    const unit2 = local.units.find((u) => u.deptId === 2);
    const unit3 = local.units.find((u) => u.deptId === 3);
    local.units.push({ id: 'local-unit', parentId: unit2?.id ?? '', name: 'project', sortOrder: 0, deptId: null });
    local.candidates.push({ id: 'local-person', status: 'enabled', mainElsewhere: false, fields: { ...linkedAccount(local, 'u2').fields, username: 'x' } });
    local.memberships.push({ accountId: 'local-person', unitId: unit3?.id ?? '', order: 0, leader: false, main: true });
    const snapshot = buildSnapshot({ departments: [[1, '', null]], users: [] });
    const result = plan(snapshot, local);
    expect(result.ops.filter((op) => op.kind === 'unit.delete')).toEqual([]);
    expect(result.review).toEqual([
      { kind: 'unit_not_empty', unitId: unit3?.id, deptId: 3 },
      { kind: 'unit_not_empty', unitId: unit2?.id, deptId: 2 },
    ]);
    apply(local, result);
  });

  it('leaves alone a department whose parent is missing, and removes nothing from such a snapshot', () => {
    const local = synced(org);
    const snapshot = buildSnapshot({
      departments: [
        [1, '', null],
        [3, '前端组', 9],
        [6, 'A', 7],
        [7, 'B', 6],
      ],
      users: [{ userid: 'u1', memberships: [[3], [1]] }],
    });
    const result = plan(snapshot, local);
    expect(result.complete).toBe(false);
    expect(result.review).toEqual([
      { kind: 'unplaced_department', deptId: 3, reason: 'parent_missing' },
      { kind: 'unplaced_department', deptId: 6, reason: 'cycle' },
      { kind: 'unplaced_department', deptId: 7, reason: 'cycle' },
    ]);
    expect(result.ops.map((op) => op.kind)).not.toContain('unit.delete');
    expect(result.ops.filter((op) => op.kind.startsWith('unit.'))).toEqual([]);
    expect(result.destructive).toEqual({ accounts: 0, units: 0, memberships: 0 });
  });

  it('syncs only the chosen departments, under their nearest synced ancestor or the target', () => {
    const spec: SnapshotSpec = {
      departments: [
        [1, '', null],
        [2, '研发部', 1],
        [3, '前端组', 2],
        [4, '市场部', 1],
        [5, '品牌组', 4],
      ],
      users: [
        { userid: 'u1', memberships: [[5], [3]] },
        { userid: 'u2', memberships: [[5]] },
        { userid: 'u3', memberships: [[1], [4]] },
      ],
    };
    const binding = bindingWith({
      scope: {
        kind: 'departments',
        departments: [
          { deptId: 2, subtree: true },
          { deptId: 4, subtree: false },
        ],
      },
    });
    const result = plan(buildSnapshot(spec), emptyDirectoryView(), { binding });
    expect(result.ops.map((op) => op.id)).toEqual([
      'unit.create/2',
      'unit.create/3',
      'unit.create/4',
      'account.create/u1',
      'membership.add/3/u1',
      'account.create/u3',
      'membership.add/4/u3',
    ]);
    expect(result.ops[2]).toMatchObject({ parentId: T });
    expect(result.ops[4]).toMatchObject({ main: true });
    expect(result.ops[6]).toMatchObject({ main: true });
  });
});

describe('planSync: leavers', () => {
  const twoPeople: SnapshotSpec = { departments: [[1, '', null], [2, '研发部', 1]], users: [{ userid: 'u1', memberships: [[2]] }, { userid: 'u2', memberships: [[2], [1]] }] };
  const withoutU2 = buildSnapshot({ ...twoPeople, users: [{ userid: 'u1', memberships: [[2]] }] });

  it('disables a leaver and removes their memberships, deletes them once the grace period has passed', () => {
    const local = synced(twoPeople);
    const left = plan(withoutU2, local, { now: DAY });
    expect(outline(left.ops)).toEqual([
      ['membership.remove/2/u2', []],
      ['membership.remove/1/u2', []],
      ['account.disable/u2', []],
    ]);
    expect(left.destructive).toEqual({ accounts: 1, units: 0, memberships: 0 });
    const disabled = apply(local, left, DAY);
    expect(linkedAccount(disabled, 'u2')).toMatchObject({ status: 'disabled', disabledAt: DAY, disabledBy: 'sync' });

    expect(plan(withoutU2, disabled, { now: DAY + 30 * DAY - 1 }).ops).toEqual([]);
    const expired = plan(withoutU2, disabled, { now: DAY + 30 * DAY });
    expect(expired.ops).toEqual([
      { id: 'account.delete/u2', kind: 'account.delete', dependsOn: [], accountId: linkedAccount(local, 'u2').id, userid: 'u2', disabledAt: DAY, deleteAfterDays: 30 },
    ]);
    const deleted = apply(disabled, expired, DAY + 30 * DAY);
    expect(deleted.accounts.map((a) => a.userid)).toEqual(['u1']);
  });

  it('never deletes without a grace period in the policy', () => {
    const local = synced(twoPeople);
    const disabled = apply(local, plan(withoutU2, local, { now: 0 }));
    expect(plan(withoutU2, disabled, { now: 10_000 * DAY, binding: bindingWith({ leaverPolicy: { deleteAfterDays: null } }) }).ops).toEqual([]);
  });

  it('re-enables a re-hire the sync disabled, with their memberships back', () => {
    const local = synced(twoPeople);
    const disabled = apply(local, plan(withoutU2, local, { now: DAY }), DAY);
    const back = plan(buildSnapshot(twoPeople), disabled, { now: 5 * DAY });
    expect(outline(back.ops)).toEqual([
      ['account.enable/u2', []],
      ['membership.add/2/u2', []],
      ['membership.add/1/u2', []],
    ]);
    expect(back.ops[0]).toMatchObject({ disabledAt: DAY });
    expect(linkedAccount(apply(disabled, back), 'u2').status).toBe('enabled');
  });

  it('leaves an account an administrator disabled as it is: no re-enable, no delete', () => {
    const local = synced(twoPeople);
    Object.assign(linkedAccount(local, 'u2'), { status: 'disabled', disabledAt: 0, disabledBy: 'admin' });
    expect(plan(buildSnapshot(twoPeople), local).ops).toEqual([]);
    const gone = plan(withoutU2, local, { now: 100 * DAY });
    expect(gone.ops.map((op) => op.kind)).toEqual(['membership.remove', 'membership.remove']);
    expect(gone.ops.every((op) => op.kind === 'membership.remove' && op.reason === 'account_left')).toBe(true);
  });

  it('only removes the memberships of a leaver still linked to another organization', () => {
    const local = synced(twoPeople);
    linkedAccount(local, 'u2').linkedElsewhere = true;
    expect(plan(withoutU2, local).ops.map((op) => op.kind)).toEqual(['membership.remove', 'membership.remove']);
  });
});

describe('planSync: matching existing accounts', () => {
  const spec: SnapshotSpec = {
    departments: [[1, '', null]],
    users: [{ userid: 'li', record: { name: '李四', state_code: '86', mobile: '13900000001', title: '工程师' }, memberships: [[1]] }],
  };
  const withCandidates = (...mobiles: string[]): LocalDirectoryView => ({
    ...emptyDirectoryView(),
    candidates: mobiles.map((mobile, i) => ({
      id: `acct-${i}`,
      status: 'enabled',
      mainElsewhere: false,
      fields: { username: `old${i}`, displayName: 'Li Si', email: null, mobile, jobNumber: null, title: null, attributes: {} },
    })),
  });
  const binding = bindingWith({ matching: [presetRule('mobile')] });

  it('links the one account a rule finds and brings its DingTalk-owned fields in', () => {
    const local = withCandidates('139 0000 0001');
    const result = plan(buildSnapshot(spec), local, { binding });
    expect(outline(result.ops)).toEqual([
      ['account.link/li', []],
      ['account.update/li', ['account.link/li']],
      ['membership.add/1/li', ['account.link/li']],
    ]);
    expect(result.ops[0]).toMatchObject({ accountId: 'acct-0', unionid: 'union-li', rule: 'mobile' });
    expect(result.ops[1]).toMatchObject({
      changes: [
        { field: 'displayName', before: 'Li Si', after: '李四' },
        { field: 'title', before: null, after: '工程师' },
      ],
    });
    const after = apply(local, result);
    expect(linkedAccount(after, 'li').fields.username).toBe('old0');
    expect(plan(buildSnapshot(spec), after, { binding }).ops).toEqual([]);
  });

  it('links nobody and creates nobody when a rule finds several accounts: the person goes to review', () => {
    const result = plan(buildSnapshot(spec), withCandidates('13900000001', '+86 139-0000-0001'), { binding });
    expect(result.ops).toEqual([]);
    expect(result.review).toEqual([{ kind: 'ambiguous_match', userid: 'li', rule: 'mobile', candidateIds: ['acct-0', 'acct-1'] }]);
  });

  it('does not create an account whose username is taken; it goes to review', () => {
    const local = withCandidates('1');
    const candidate = local.candidates[0];
    if (candidate !== undefined) candidate.fields.username = 'LI';
    const result = plan(buildSnapshot(spec), local);
    expect(result.ops).toEqual([]);
    expect(result.review).toEqual([{ kind: 'username_taken', userid: 'li', username: 'li', accountId: 'acct-0' }]);
  });

  it('keeps the main membership an account has outside the synced units', () => {
    const local = withCandidates('13900000001');
    const candidate = local.candidates[0];
    if (candidate !== undefined) candidate.mainElsewhere = true;
    const result = plan(buildSnapshot(spec), local, { binding });
    expect(result.ops.find((op) => op.kind === 'membership.add')).toMatchObject({ main: false });
    apply(local, result);
  });
});

describe('planSync: memberships and links', () => {
  it('moves the main membership, the new main depending on the old one being cleared', () => {
    const local = synced(org);
    const snapshot = buildSnapshot({ ...org, users: [{ ...org.users[0], userid: 'u1', memberships: [[1, 2], [3, 5, false]] }, org.users[1] ?? { userid: 'x', memberships: [] }] });
    const result = plan(snapshot, local);
    expect(outline(result.ops)).toEqual([
      ['membership.update/3/u1', []],
      ['membership.update/1/u1', ['membership.update/3/u1']],
    ]);
    expect(result.ops[0]).toMatchObject({
      changes: [
        { field: 'leader', before: true, after: false },
        { field: 'main', before: true, after: false },
      ],
    });
    apply(local, result);
  });

  it('updates the unionid stored with the link', () => {
    const local = synced(org);
    linkedAccount(local, 'u2').unionid = null;
    expect(plan(buildSnapshot(org), local).ops).toMatchObject([
      { id: 'account.update/u2', changes: [{ field: 'link.unionid', before: null, after: 'union-u2' }] },
    ]);
  });
});

describe('planSync: incomplete snapshots', () => {
  const spec: SnapshotSpec = {
    departments: [[1, '', null], [2, '研发部', 1], [3, '前端组', 1]],
    users: [{ userid: 'u1', memberships: [[2], [3]] }, { userid: 'u2', memberships: [[2]] }],
  };

  it('adds and updates what it saw, removes nothing, and keeps main where it cannot be sure', () => {
    const local = synced(spec);
    // Department 2's member listing failed: u2 is not seen at all, u1 only in department 3.
    const snapshot = buildSnapshot({ ...spec, complete: false, users: [{ userid: 'u1', record: { dept_id_list: [2, 3], title: '经理' }, memberships: [[3, 9]] }] });
    const result = plan(snapshot, local);
    expect(result.complete).toBe(false);
    expect(outline(result.ops)).toEqual([
      ['account.update/u1', []],
      ['membership.update/3/u1', []],
    ]);
    expect(result.ops[1]).toMatchObject({ changes: [{ field: 'order', before: 0, after: 9 }] });
    apply(local, result);
  });

  it('moves main when the departments listed before it are known', () => {
    const local = synced(spec);
    const snapshot = buildSnapshot({ ...spec, complete: false, users: [{ userid: 'u1', record: { dept_id_list: [3, 2] }, memberships: [[3]] }] });
    const result = plan(snapshot, local);
    expect(outline(result.ops)).toEqual([
      ['membership.update/2/u1', []],
      ['membership.update/3/u1', ['membership.update/2/u1']],
    ]);
    apply(local, result);
  });
});
