/**
 * applyPlan against real databases: random organizations synced, evolved and re-synced (the database must end
 * where `applyPlanInMemory` ends, and a re-plan must be empty), one object failing for real, stale plans, held
 * runs recorded first, aborts, and empty plans.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createTestBinding, createTestRun, normalizedView, syncRound } from '../../test/directory/directory-fixture.ts';
import { describeEachDatabase } from '../../test/support/test-database.ts';
import { applyPlan, fastOrder } from './apply-plan.ts';
import { applyPlanInMemory } from './apply-plan-in-memory.test-support.ts';
import { loadDirectoryView } from './load-directory-view.ts';
import { recordPlannedOps } from './plan-op-record.ts';
import { buildSnapshot, mutateSnapshot, randomOrganization, seededRandom } from './random-organization.test-support.ts';
import type { PlanOp } from './plan-operation.ts';
import { planSync } from './sync-plan.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 24);

// One database for the block: every test has its own binding, and people's userids (usernames) differ across tests.
describeEachDatabase('applyPlan', ({ database }) => {

    it.each([1, 2, 3])('seed %i: a random organization applies as in memory, and a re-plan is empty', async (seed) => {
      const { db } = database();
      const random = seededRandom(seed);
      const snapshot = randomOrganization(random, { departments: 5 + random.int(25), users: 20 + random.int(60) });
      const binding = await createTestBinding(db);
      const round = await syncRound(db, binding, snapshot, T0, { batchSize: 7 + seed * 20 });

      expect(round.result).toEqual({ applied: round.plan.ops.length, failed: 0, skipped: 0, total: round.plan.ops.length });
      const expected = applyPlanInMemory(round.before, round.plan, { now: T0, targetUnitId: binding.targetUnitId });
      expect(normalizedView(round.after)).toEqual(normalizedView(expected.local));
      expect(planSync({ binding, snapshot, local: round.after, now: T0 }).ops).toEqual([]);

      const ops = await db.selectFrom('sync_ops').select(['seq', 'status']).where('run_id', '=', round.runId).orderBy('seq').execute();
      expect(ops).toEqual(round.plan.ops.map((_, seq) => ({ seq, status: 'applied' })));
    });

    it.each([4, 5])('seed %i: an organization evolving over rounds converges every round', async (seed) => {
      const { db } = database();
      const random = seededRandom(seed);
      let snapshot = randomOrganization(random, { departments: 5 + random.int(20), users: 20 + random.int(40) });
      const binding = await createTestBinding(db, { deleteAfterDays: 2 });
      await syncRound(db, binding, snapshot, T0);
      for (let day = 1; day <= 4; day++) {
        const mutated = mutateSnapshot(random, snapshot, 1 + random.int(8));
        snapshot = mutated.snapshot;
        const now = T0 + day * DAY;
        const round = await syncRound(db, binding, snapshot, now, { batchSize: 5 });
        const expected = applyPlanInMemory(round.before, round.plan, { now, targetUnitId: binding.targetUnitId });
        expect(expected.results.every((r) => r.status === 'applied'), mutated.applied.join('; ')).toBe(true);
        expect(round.result.failed + round.result.skipped, mutated.applied.join('; ')).toBe(0);
        expect(normalizedView(round.after), mutated.applied.join('; ')).toEqual(normalizedView(expected.local));
        expect(planSync({ binding, snapshot, local: round.after, now }).ops).toEqual([]);
      }
    });

    it('renames, moves, disables a leaver, adds a person in two departments and changes memberships', async () => {
      const { db } = database();
      const binding = await createTestBinding(db);
      const first = buildSnapshot({
        departments: [[1, '', null], [2, '研发部', 1], [3, '产品部', 1], [4, '前端组', 2]],
        users: [
          { userid: 'alice', memberships: [[2, 10, true], [4, 5]] },
          { userid: 'bob', memberships: [[3]] },
          { userid: 'carol', memberships: [[4]] },
        ],
      });
      const one = await syncRound(db, binding, first, T0);
      expect(one.result.failed + one.result.skipped).toBe(0);

      const second = buildSnapshot({
        departments: [[1, '', null], [2, '研发中心', 1], [3, '产品部', 1], [4, '前端组', 3]],
        users: [
          { userid: 'alice', memberships: [[4, 7]] },
          { userid: 'carol', memberships: [[4]] },
          { userid: 'dave', memberships: [[3, 1], [2, 2]] },
        ],
      });
      const now = T0 + DAY;
      const two = await syncRound(db, binding, second, now);
      expect(two.result).toMatchObject({ failed: 0, skipped: 0 });
      expect(planSync({ binding, snapshot: second, local: two.after, now }).ops).toEqual([]);

      const units = new Map(two.after.units.map((u) => [u.deptId, u]));
      expect(units.get(2)?.name).toBe('研发中心');
      expect(units.get(4)?.parentId).toBe(units.get(3)?.id);
      const bob = await db.selectFrom('accounts').selectAll().where('username', '=', 'bob').executeTakeFirstOrThrow();
      expect(bob).toMatchObject({ status: 'disabled', disabled_by: 'sync' });
      expect(bob.disabled_at?.getTime()).toBe(now);
      const dave = two.after.accounts.find((a) => a.userid === 'dave');
      const daveUnits = two.after.memberships.filter((m) => m.accountId === dave?.id).map((m) => [m.unitId, m.main]);
      expect(daveUnits).toEqual(expect.arrayContaining([[units.get(3)?.id, true], [units.get(2)?.id, false]]));
      const alice = two.after.accounts.find((a) => a.userid === 'alice');
      expect(two.after.memberships.filter((m) => m.accountId === alice?.id)).toEqual([
        { accountId: alice?.id, unitId: units.get(4)?.id, order: 7, leader: false, main: true },
      ]);
      const ops = await db.selectFrom('sync_ops').selectAll().where('run_id', '=', two.runId).where('op', '=', 'unit.update').execute();
      expect(ops.find((op) => op.external_id === '2')).toMatchObject({
        target_kind: 'unit',
        before: { name: '研发部' },
        after: { name: '研发中心' },
        status: 'applied',
      });
    });

    it('fails one object for real, skips what depends on it and applies everything else', async () => {
      const { db } = database();
      await sql`
        create function refuse_mallory() returns trigger language plpgsql as $$
        begin
          if new.username = 'mallory' then raise exception 'mallory is not welcome'; end if;
          return new;
        end $$`.execute(db);
      await sql`create trigger refuse_mallory before insert on accounts for each row execute function refuse_mallory()`.execute(db);
      const binding = await createTestBinding(db);
      const snapshot = buildSnapshot({
        departments: [[1, '', null], [2, '研发部', 1], [3, '产品部', 2]],
        users: [
          { userid: 'fa-alice', memberships: [[2]] },
          { userid: 'mallory', memberships: [[2], [3]] },
          { userid: 'fa-zoe', memberships: [[3]] },
        ],
      });
      const progress: number[] = [];
      const before = await loadDirectoryView(db, binding);
      const plan = planSync({ binding, snapshot, local: before, now: T0 });
      const runId = await createTestRun(db, binding.id);
      const result = await applyPlan(db, plan, { runId, now: new Date(T0), batchSize: 4, onProgress: (p) => progress.push(p.done) });

      expect(result).toEqual({ applied: plan.ops.length - 3, failed: 1, skipped: 2, total: plan.ops.length });
      expect(progress).toEqual(Array.from({ length: Math.ceil(plan.ops.length / 4) }, (_, i) => Math.min((i + 1) * 4, plan.ops.length)));
      const ops = await db.selectFrom('sync_ops').selectAll().where('run_id', '=', runId).orderBy('seq').execute();
      const failed = ops.filter((op) => op.status === 'failed');
      expect(failed).toMatchObject([{ op: 'account.create', external_id: 'mallory', reason: expect.stringMatching(/^db\.error: .*mallory is not welcome/) }]);
      expect(ops.filter((op) => op.status === 'skipped')).toMatchObject([
        { op: 'membership.add', external_id: '2/mallory', reason: 'depends on account.create/mallory, which failed' },
        { op: 'membership.add', external_id: '3/mallory', reason: 'depends on account.create/mallory, which failed' },
      ]);
      const after = await loadDirectoryView(db, binding);
      expect(after.accounts.map((a) => a.userid).sort()).toEqual(['fa-alice', 'fa-zoe']);
      expect(after.memberships).toHaveLength(2);
      expect(after.units).toHaveLength(2);
    });

    it('isolates one failure in a large batch: halves are retried until the bad object fails alone', async () => {
      const { db } = database();
      await sql`
        create function refuse_trudy() returns trigger language plpgsql as $$
        begin
          if new.username = 'lb-trudy' then raise exception 'trudy is not welcome'; end if;
          return new;
        end $$`.execute(db);
      await sql`create trigger refuse_trudy before insert on accounts for each row execute function refuse_trudy()`.execute(db);
      const binding = await createTestBinding(db);
      const names = Array.from({ length: 150 }, (_, i) => `lb-${String(i).padStart(3, '0')}`);
      names.splice(77, 0, 'lb-trudy');
      const snapshot = buildSnapshot({
        departments: [[1, '', null], [2, '研发部', 1], [3, '产品部', 1]],
        users: names.map((userid, i) => ({ userid, memberships: i % 3 === 0 ? [[2], [3]] : [[2 + (i % 2)]] })),
      });
      const round = await syncRound(db, binding, snapshot, T0, { batchSize: 1000 });

      expect(round.result).toEqual({ applied: round.plan.ops.length - 2, failed: 1, skipped: 1, total: round.plan.ops.length });
      const ops = await db.selectFrom('sync_ops').select(['seq', 'op', 'external_id', 'status']).where('run_id', '=', round.runId).orderBy('seq').execute();
      expect(ops.map((op) => op.seq)).toEqual(round.plan.ops.map((_, seq) => seq));
      expect(ops.filter((op) => op.status !== 'applied')).toMatchObject([
        { op: 'account.create', external_id: 'lb-trudy', status: 'failed' },
        { op: 'membership.add', external_id: '3/lb-trudy', status: 'skipped' },
      ]);
      expect(round.after.accounts).toHaveLength(150);
      expect(planSync({ binding, snapshot, local: round.after, now: T0 }).ops.map((op) => op.id)).toEqual([
        'account.create/lb-trudy',
        'membership.add/3/lb-trudy',
      ]);
    });

    it('fails a stale plan cleanly: applied a second time, nothing is written twice', async () => {
      const { db } = database();
      const binding = await createTestBinding(db);
      const snapshot = buildSnapshot({
        departments: [[1, '', null], [2, '研发部', 1]],
        users: [{ userid: 'st-alice', memberships: [[2]] }],
      });
      const before = await loadDirectoryView(db, binding);
      const plan = planSync({ binding, snapshot, local: before, now: T0 });
      await applyPlan(db, plan, { runId: await createTestRun(db, binding.id), now: new Date(T0) });
      const view = await loadDirectoryView(db, binding);

      const runId = await createTestRun(db, binding.id);
      const again = await applyPlan(db, plan, { runId, now: new Date(T0) });
      expect(again).toEqual({ applied: 0, failed: 2, skipped: 1, total: 3 });
      const ops = await db.selectFrom('sync_ops').select(['op', 'status', 'reason']).where('run_id', '=', runId).orderBy('seq').execute();
      expect(ops).toEqual([
        { op: 'unit.create', status: 'failed', reason: expect.stringMatching(/^sync\.stale_plan: department 2 is linked/) },
        { op: 'account.create', status: 'failed', reason: expect.stringMatching(/^db\.conflict: /) },
        { op: 'membership.add', status: 'skipped', reason: expect.stringContaining('which failed') },
      ]);
      expect(normalizedView(await loadDirectoryView(db, binding))).toEqual(normalizedView(view));
    });

    it('turns the planned records of a held run into results, and stops between batches when aborted', async () => {
      const { db } = database();
      const binding = await createTestBinding(db);
      const snapshot = randomOrganization(seededRandom(9), { departments: 4, users: 12 });
      const plan = planSync({ binding, snapshot, local: await loadDirectoryView(db, binding), now: T0 });
      const runId = await createTestRun(db, binding.id);
      await recordPlannedOps(db, runId, plan);
      const planned = await db.selectFrom('sync_ops').selectAll().where('run_id', '=', runId).orderBy('seq').execute();
      expect(planned.map((op) => op.status)).toEqual(plan.ops.map(() => 'planned'));
      expect(planned[0]).toMatchObject({ op: 'unit.create', target_kind: 'unit', before: null, reason: null });

      const controller = new AbortController();
      const result = await applyPlan(db, plan, {
        runId,
        now: new Date(T0),
        batchSize: 5,
        signal: controller.signal,
        onProgress: (progress) => {
          if (progress.done >= 10) controller.abort();
        },
      });
      expect(result).toEqual({ applied: 10, failed: 0, skipped: 0, total: plan.ops.length });
      const statuses = await db.selectFrom('sync_ops').select('status').where('run_id', '=', runId).orderBy('seq').execute();
      expect(statuses.map((s) => s.status)).toEqual(plan.ops.map((_, seq) => (seq < 10 ? 'applied' : 'planned')));

      const rest = await applyPlan(db, { ...plan, ops: plan.ops.slice(10) }, { runId: await createTestRun(db, binding.id), now: new Date(T0) });
      expect(rest.failed + rest.skipped).toBe(0);
      expect(planSync({ binding, snapshot, local: await loadDirectoryView(db, binding), now: T0 }).ops).toEqual([]);
    });

    it('writes nothing for a plan without operations', async () => {
      const { db } = database();
      const binding = await createTestBinding(db);
      const snapshot = buildSnapshot({ departments: [[1, '', null]], users: [] });
      const plan = planSync({ binding, snapshot, local: await loadDirectoryView(db, binding), now: T0 });
      expect(plan.ops).toEqual([]);
      const runId = await createTestRun(db, binding.id);
      expect(await applyPlan(db, plan, { runId, now: new Date(T0) })).toEqual({ applied: 0, failed: 0, skipped: 0, total: 0 });
      await recordPlannedOps(db, runId, plan);
      expect(await db.selectFrom('sync_ops').selectAll().where('run_id', '=', runId).execute()).toEqual([]);
    });
});

describe('fastOrder', () => {
  const op = (kind: PlanOp['kind'], id: string) => ({ kind, id }) as PlanOp;

  it('puts the account operations of a stretch of people before their memberships, each in plan order', () => {
    const batch = [
      op('unit.create', 'u1'),
      op('account.create', 'a1'),
      op('membership.add', 'm1'),
      op('account.update', 'a2'),
      op('membership.remove', 'm2'),
      op('membership.add', 'm3'),
      op('account.create', 'a3'),
      op('account.disable', 'd1'),
      op('membership.remove', 'm4'),
      op('unit.delete', 'x1'),
    ];
    expect(fastOrder(batch).map((index) => batch[index]?.id)).toEqual(['u1', 'a1', 'a2', 'a3', 'm1', 'm2', 'm3', 'd1', 'm4', 'x1']);
  });
});
