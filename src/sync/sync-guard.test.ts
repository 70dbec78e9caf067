import { describe, expect, it } from 'vitest';
import type { PlanOp } from './plan-operation.ts';
import { deletionThresholdsSchema, guardPlan, type GuardOptions } from './sync-guard.ts';

const disable = (userid: string): PlanOp => ({ id: `account.disable/${userid}`, kind: 'account.disable', dependsOn: [], accountId: userid, userid });
const removal = (userid: string, reason: 'left_department' | 'account_left'): PlanOp => ({
  id: `membership.remove/2/${userid}`,
  kind: 'membership.remove',
  dependsOn: [],
  accountId: userid,
  userid,
  unitId: 'unit-2',
  deptId: 2,
  reason,
});
const unitDelete = (deptId: number): PlanOp => ({
  id: `unit.delete/${deptId}`,
  kind: 'unit.delete',
  dependsOn: [],
  unitId: `unit-${deptId}`,
  deptId,
  name: 'x',
  reason: 'department_gone',
});
const update: PlanOp = { id: 'account.update/u1', kind: 'account.update', dependsOn: [], accountId: 'u1', userid: 'u1', changes: [] };

const baseline = { accounts: 100, units: 10, memberships: 200 };
const plan = (ops: PlanOp[], complete = true) => ({ ops, complete, baseline });
const options = (thresholds: GuardOptions['thresholds'], complete = true): GuardOptions => ({ complete, thresholds, baseline });

describe('guardPlan', () => {
  it('lets through a plan that removes nothing, whatever the thresholds', () => {
    expect(guardPlan(plan([update]), options({ maxDeletes: 0, maxDeletePercent: 0 }))).toEqual({ verdict: 'proceed', reasons: [] });
  });

  it('lets through removals within both limits', () => {
    const ops = [disable('a'), disable('b'), unitDelete(2), removal('c', 'left_department')];
    expect(guardPlan(plan(ops), options({ maxDeletes: 2, maxDeletePercent: 10 })).verdict).toBe('proceed');
  });

  it('holds above the count, naming what and how many', () => {
    const verdict = guardPlan(plan([disable('a'), disable('b'), disable('c')]), options({ maxDeletes: 2 }));
    expect(verdict).toEqual({
      verdict: 'hold',
      reasons: [
        {
          code: 'sync.threshold_exceeded',
          subject: 'accounts',
          limit: 'count',
          count: 3,
          allowed: 2,
          baseline: 100,
          message: '3 accounts to remove, more than the 2 allowed',
        },
      ],
    });
  });

  it('holds above the percentage of each population separately', () => {
    const verdict = guardPlan(plan([unitDelete(2), unitDelete(3), disable('a')]), options({ maxDeletePercent: 10 }));
    expect(verdict.verdict).toBe('hold');
    expect(verdict.reasons).toMatchObject([{ subject: 'units', limit: 'percent', count: 2, allowed: 10, baseline: 10 }]);
    expect(verdict.reasons[0]?.message).toBe('2 of 10 units to remove (20.0 %), more than the 10 % allowed');
  });

  it("counts a leaver once: their own membership removals are not counted again", () => {
    const ops = [disable('a'), removal('a', 'account_left'), removal('a', 'account_left')];
    expect(guardPlan(plan(ops), options({ maxDeletes: 1 })).verdict).toBe('proceed');
    expect(guardPlan(plan([removal('b', 'left_department'), removal('c', 'left_department')]), options({ maxDeletes: 1 })).reasons).toMatchObject([
      { subject: 'memberships', count: 2 },
    ]);
  });

  it('takes an empty population as 100 %', () => {
    const verdict = guardPlan(plan([disable('a')]), { complete: true, thresholds: { maxDeletePercent: 50 }, baseline: { accounts: 0, units: 0 } });
    expect(verdict.reasons).toMatchObject([{ subject: 'accounts', limit: 'percent', baseline: 0 }]);
  });

  it('holds any removal from an incomplete snapshot, even without thresholds', () => {
    expect(guardPlan(plan([disable('a')]), options({}, false)).reasons).toMatchObject([{ code: 'sync.incomplete_snapshot', destructiveOps: 1 }]);
    expect(guardPlan(plan([disable('a')], false), options({})).verdict).toBe('hold');
    expect(guardPlan(plan([update], false), options({}, false)).verdict).toBe('proceed');
  });
});

describe('deletionThresholdsSchema', () => {
  it('accepts either limit and refuses nonsense', () => {
    expect(deletionThresholdsSchema.parse({})).toEqual({});
    expect(deletionThresholdsSchema.safeParse({ maxDeletePercent: 120 }).success).toBe(false);
    expect(deletionThresholdsSchema.safeParse({ maxDeletes: -1 }).success).toBe(false);
  });
});
