/**
 * Property-style tests of diff + plan over seeded random organizations: a plan applied (in memory) brings the
 * directory to the snapshot's projection, a re-plan is then empty, dependencies always point backwards, and an
 * incomplete snapshot never removes anything. A failing seed is in the test's name and replays exactly.
 */
import { describe, expect, it } from 'vitest';
import type { AddressBookSnapshot } from './address-book-crawl.ts';
import { matchingRulesSchema } from './account-matching.ts';
import { applyPlanInMemory } from './apply-plan-in-memory.test-support.ts';
import { defaultFieldMapping } from './field-mapping.ts';
import { emptyDirectoryView, type LocalDirectoryView } from './local-directory-view.ts';
import { DESTRUCTIVE_OP_KINDS } from './plan-operation.ts';
import { mutateSnapshot, randomOrganization, seededRandom, type Random } from './random-organization.test-support.ts';
import type { SyncBinding } from './sync-binding.ts';
import { guardPlan } from './sync-guard.ts';
import { planOrderProblems, planSync } from './sync-plan.ts';

const TARGET = 'target-unit';
const DAY = 86_400_000;
const SEEDS = Array.from({ length: 25 }, (_, i) => i + 1);

const binding: SyncBinding = {
  id: 'binding-1',
  corpId: 'ding-corp',
  targetUnitId: TARGET,
  scope: { kind: 'all' },
  mapping: defaultFieldMapping(),
  matching: [],
  leaverPolicy: { deleteAfterDays: 30 },
};

function idMaker(): () => string {
  let next = 0;
  return () => `id-${next++}`;
}

/** Plans, checks the plan's ordering, applies it in memory and checks that every operation applied. */
function syncOnce(local: LocalDirectoryView, snapshot: AddressBookSnapshot, now: number, newId: () => string, using = binding): LocalDirectoryView {
  const plan = planSync({ binding: using, snapshot, local, now, newId });
  expect(planOrderProblems(plan)).toEqual([]);
  const { local: after, results } = applyPlanInMemory(local, plan, { now, targetUnitId: TARGET });
  expect(results.filter((r) => r.status !== 'applied')).toEqual([]);
  return after;
}

/** The directory a snapshot should produce with scope `all` and the default mapping, written out independently. */
function projection(snapshot: AddressBookSnapshot) {
  const siblings = new Map<number | null, number>();
  const units: Record<number, { name: string; parent: number; sortOrder: number }> = {};
  for (const department of snapshot.departments.values()) {
    const sortOrder = siblings.get(department.parentId) ?? 0;
    siblings.set(department.parentId, sortOrder + 1);
    if (department.parentId !== null) units[department.deptId] = { name: department.name, parent: department.parentId, sortOrder };
  }
  const accounts: Record<string, Record<string, string | null>> = {};
  const memberships: string[] = [];
  for (const user of snapshot.users.values()) {
    const r = user.record as Record<string, string | undefined>;
    const mobile = r['mobile'] === undefined ? null : r['state_code'] === undefined ? r['mobile'] : `+${r['state_code']} ${r['mobile']}`;
    accounts[user.userid] = {
      username: user.userid,
      displayName: r['name'] ?? null,
      email: r['org_email'] ?? r['email'] ?? null,
      mobile,
      jobNumber: r['job_number'] ?? null,
      title: r['title'] ?? null,
    };
    user.memberships.forEach((m, index) => memberships.push(`${user.userid}@${m.deptId} order=${m.order} leader=${m.leader} main=${index === 0}`));
  }
  return { units, accounts, memberships: memberships.sort() };
}

/** The same shape read from a directory view (enabled linked accounts only). */
function observed(local: LocalDirectoryView) {
  const deptOf = new Map<string, number>([[TARGET, 1], ...local.units.map((u) => [u.id, u.deptId ?? -1] as const)]);
  const units: Record<number, { name: string; parent: number; sortOrder: number }> = {};
  for (const unit of local.units) {
    if (unit.deptId !== null) units[unit.deptId] = { name: unit.name, parent: deptOf.get(unit.parentId ?? '') ?? -1, sortOrder: unit.sortOrder };
  }
  const accounts: Record<string, Record<string, string | null>> = {};
  const useridOf = new Map(local.accounts.map((a) => [a.id, a.userid]));
  for (const account of local.accounts) {
    if (account.status !== 'enabled') continue;
    const { username, displayName, email, mobile, jobNumber, title } = account.fields;
    accounts[account.userid] = { username, displayName, email, mobile, jobNumber, title };
  }
  const memberships = local.memberships
    .map((m) => `${useridOf.get(m.accountId)}@${deptOf.get(m.unitId)} order=${m.order} leader=${m.leader} main=${m.main}`)
    .sort();
  return { units, accounts, memberships };
}

describe('plan over random organizations', () => {
  it.each(SEEDS)('seed %i: a first sync reaches the projection and a re-sync plans nothing', (seed) => {
    const random = seededRandom(seed);
    const snapshot = randomOrganization(random, { departments: 5 + random.int(30), users: random.int(80) });
    const newId = idMaker();
    const local = syncOnce(emptyDirectoryView(), snapshot, 0, newId);

    expect(observed(local)).toEqual(projection(snapshot));
    const again = planSync({ binding, snapshot, local, now: 0, newId });
    expect(again.ops).toEqual([]);
    expect(again.review).toEqual([]);
  });

  it.each(SEEDS)('seed %i: after random changes in DingTalk, apply reaches the new projection', (seed) => {
    const random = seededRandom(seed * 7919);
    let snapshot = randomOrganization(random, { departments: 5 + random.int(25), users: 10 + random.int(60) });
    const newId = idMaker();
    let local = syncOnce(emptyDirectoryView(), snapshot, 0, newId);
    const gone = new Set<string>();

    for (let round = 1; round <= 6; round++) {
      const mutated = mutateSnapshot(random, snapshot, 1 + random.int(8));
      snapshot = mutated.snapshot;
      const now = round * DAY;
      local = syncOnce(local, snapshot, now, newId);

      expect(observed(local), mutated.applied.join('; ')).toEqual(projection(snapshot));
      for (const account of local.accounts) if (!snapshot.users.has(account.userid)) gone.add(account.userid);
      const leavers = local.accounts.filter((a) => gone.has(a.userid));
      expect(leavers.every((a) => a.status === 'disabled' && a.disabledBy === 'sync')).toBe(true);
      expect(local.memberships.filter((m) => leavers.some((a) => a.id === m.accountId))).toEqual([]);
      expect(planSync({ binding, snapshot, local, now, newId }).ops).toEqual([]);
    }
  });

  it.each(SEEDS)('seed %i: an incomplete snapshot plans no removal, and what it plans applies cleanly', (seed) => {
    const random = seededRandom(seed * 104_729);
    const snapshot = randomOrganization(random, { departments: 5 + random.int(25), users: 10 + random.int(60) });
    const newId = idMaker();
    const local = syncOnce(emptyDirectoryView(), snapshot, 0, newId);

    const incomplete = failSomeListings(random, mutateSnapshot(random, snapshot, 1 + random.int(8)).snapshot);
    const plan = planSync({ binding, snapshot: incomplete, local, now: DAY, newId });
    expect(plan.complete).toBe(false);
    expect(plan.ops.filter((op) => DESTRUCTIVE_OP_KINDS.includes(op.kind))).toEqual([]);
    expect(plan.destructive).toEqual({ accounts: 0, units: 0, memberships: 0 });
    expect(guardPlan(plan, { complete: false, thresholds: { maxDeletes: 0 }, baseline: plan.baseline }).verdict).toBe('proceed');
    syncOnce(local, incomplete, DAY, newId);
  });
});

describe('plan over random organizations, scopes and existing accounts', () => {
  it.each(SEEDS)('seed %i: with chosen departments, every plan applies cleanly and a re-sync plans nothing', (seed) => {
    const random = seededRandom(seed * 65_537);
    let snapshot = randomOrganization(random, { departments: 5 + random.int(25), users: 10 + random.int(60) });
    const ids = [...snapshot.departments.keys()];
    const departments = Array.from({ length: 1 + random.int(3) }, () => ({ deptId: random.pick(ids), subtree: random.chance(0.6) }));
    const scoped: SyncBinding = { ...binding, scope: { kind: 'departments', departments } };
    const newId = idMaker();
    let local = emptyDirectoryView();
    for (let round = 0; round < 5; round++) {
      local = syncOnce(local, snapshot, round * DAY, newId, scoped);
      const synced = new Set(local.units.map((u) => u.deptId));
      for (const { deptId } of departments) if (deptId !== 1 && snapshot.departments.has(deptId)) expect(synced).toContain(deptId);
      expect(planSync({ binding: scoped, snapshot, local, now: round * DAY, newId }).ops).toEqual([]);
      snapshot = mutateSnapshot(random, snapshot, 1 + random.int(6)).snapshot;
    }
  });

  it.each(SEEDS)('seed %i: existing accounts are linked once, ambiguous ones stay in review, and a re-sync plans nothing', (seed) => {
    const random = seededRandom(seed * 92_821);
    const snapshot = randomOrganization(random, { departments: 3 + random.int(10), users: 10 + random.int(40) });
    const local = emptyDirectoryView();
    for (const user of snapshot.users.values()) {
      const record = user.record as Record<string, string | undefined>;
      if (!random.chance(0.5)) continue;
      // An existing account with the same mobile, sometimes twice (ambiguous), sometimes in another format.
      for (let copy = random.chance(0.2) ? 2 : 1; copy > 0; copy--) {
        const mobile = record['mobile'] === undefined ? null : random.chance(0.5) ? record['mobile'] : `+${record['state_code']} ${record['mobile']}`;
        local.candidates.push({
          id: `existing-${local.candidates.length}`,
          status: 'enabled',
          mainElsewhere: random.chance(0.2),
          fields: { username: `old-${local.candidates.length}`, displayName: 'old', email: null, mobile, jobNumber: null, title: null, attributes: {} },
        });
      }
    }
    const matching = matchingRulesSchema.parse(['mobile', 'email']);
    const withMatching: SyncBinding = { ...binding, matching };
    const newId = idMaker();
    const plan = planSync({ binding: withMatching, snapshot, local, now: 0, newId });
    const after = syncOnce(local, snapshot, 0, newId, withMatching);
    const again = planSync({ binding: withMatching, snapshot, local: after, now: 0, newId });
    expect(again.ops).toEqual([]);
    expect(again.review).toEqual(plan.review);
    const linked = plan.ops.filter((op) => op.kind === 'account.link').map((op) => op.accountId);
    expect(linked.length + plan.review.length).toBeGreaterThan(0);
    expect(new Set(linked).size).toBe(linked.length);
    for (const item of plan.review) {
      expect(item.kind).toBe('ambiguous_match');
      if (item.kind === 'ambiguous_match') expect(after.accounts.map((a) => a.userid)).not.toContain(item.userid);
    }
  });
});

/** What a crawl with failed calls leaves: some departments' members unlisted, some subtrees unwalked. */
function failSomeListings(random: Random, snapshot: AddressBookSnapshot): AddressBookSnapshot {
  const next = structuredClone(snapshot);
  next.complete = false;
  const ids = [...next.departments.keys()];
  const unlisted = new Set(ids.filter(() => random.chance(0.2)));
  const unwalked = random.pick(ids);
  for (const department of [...next.departments.values()]) {
    let ancestor = department.parentId;
    while (ancestor !== null && ancestor !== unwalked) ancestor = next.departments.get(ancestor)?.parentId ?? null;
    if (ancestor === unwalked) {
      next.departments.delete(department.deptId);
      unlisted.add(department.deptId);
    }
  }
  for (const user of [...next.users.values()]) {
    user.memberships = user.memberships.filter((m) => !unlisted.has(m.deptId));
    if (user.memberships.length === 0) next.users.delete(user.userid);
  }
  return next;
}
