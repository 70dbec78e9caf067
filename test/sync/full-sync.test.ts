/**
 * Full inbound sync end to end (issue 4, "Done when"): the services built by the composition root, a real
 * database of each kind, and the DingTalk emulator over HTTP. Runs are executed in-process (`runs.execute`), except
 * one that goes through the pg-boss queue and worker as the server runs it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDingbridge, type Dingbridge } from '../../src/app.ts';
import type { BindingView } from '../../src/bindings/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import type { DirectoryExport } from '../../src/directory/index.ts';
import type { RunView } from '../../src/sync/index.ts';
import { useEmulator } from '../support/emulator.ts';
import { describeEachDatabase } from '../support/test-database.ts';

interface OrgDump {
  departments: { dept_id: number; name: string; parent_id: number | null; order: number }[];
  users: { userid: string; unionid: string; name: string; depts: { dept_id: number; order: number; leader: boolean; main: boolean }[] }[];
}

/** The directory below the binding's target unit, as DingTalk ids: what must equal the emulated organization. */
interface Mirror {
  departments: Map<number, { name: string; parent: number }>;
  people: Map<string, { name: string; status: string; depts: Set<number>; leaderOf: Set<number>; main: number | null }>;
}

describeEachDatabase('full sync against the emulator', ({ database }) => {
  const emulator = useEmulator({ seed: 'full-sync', users: 160, qps: 0 });
  let dataDir: string;
  let app: Dingbridge;
  let binding: BindingView;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'dingbridge-full-sync-'));
    const config = loadConfig({ DATA_DIR: dataDir }, { onWarning: () => {} });
    app = await openDingbridge(config, {
      logger: pino({ level: 'silent' }),
      role: 'cli',
      database: database().handle,
      jobs: { pollingIntervalSeconds: 0.5 } as never,
    });
    binding = await app.api.bindings.add({
      name: 'Emulated corp',
      corpId: emulator.corpId,
      appKey: emulator.appKey,
      appSecret: emulator.appSecret,
      apiBase: emulator.url,
      thresholds: { maxDeletePercent: 20 },
    });
    await app.startWorkers();
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Queues a sync and waits for the worker to end it, as `dingbridge sync --wait` does. */
  async function sync(options: { dryRun?: boolean } = {}): Promise<RunView> {
    const queued = await app.api.runs.start(binding.id, options);
    expect(queued.status).toBe('queued');
    return waitFor(queued.id);
  }

  async function org(): Promise<OrgDump> {
    return emulator.control<OrgDump>('GET', '/org');
  }

  async function mirror(): Promise<Mirror> {
    const exported: DirectoryExport = await app.api.directory.export();
    const deptOfUnit = new Map<string, number>([[binding.targetUnitId, 1]]);
    for (const unit of exported.units) if (unit.external) deptOfUnit.set(unit.id, unit.external.deptId);
    const departments = new Map<number, { name: string; parent: number }>();
    for (const unit of exported.units) {
      if (!unit.external || unit.external.deptId === 1) continue;
      departments.set(unit.external.deptId, { name: unit.name, parent: deptOfUnit.get(unit.parentId ?? '') ?? -1 });
    }
    const flags = await database()
      .db.selectFrom('memberships')
      .innerJoin('external_identities as e', (join) => join.onRef('e.local_id', '=', 'memberships.account_id').on('e.kind', '=', 'dingtalk_user'))
      .select(['e.external_id as userid', 'memberships.unit_id', 'memberships.is_leader', 'memberships.is_main'])
      .execute();
    const people = new Map<string, { name: string; status: string; depts: Set<number>; leaderOf: Set<number>; main: number | null }>();
    for (const account of exported.accounts) {
      if (!account.external) continue;
      people.set(account.external.userid, {
        name: account.displayName,
        status: account.status,
        depts: new Set(account.unitIds.map((id) => deptOfUnit.get(id) ?? -1)),
        leaderOf: new Set(),
        main: null,
      });
    }
    for (const flag of flags) {
      const person = people.get(flag.userid);
      const dept = deptOfUnit.get(flag.unit_id);
      if (!person || dept === undefined) continue;
      if (flag.is_leader) person.leaderOf.add(dept);
      if (flag.is_main) person.main = dept;
    }
    return { departments, people };
  }

  function expected(dump: OrgDump): Mirror {
    const departments = new Map<number, { name: string; parent: number }>();
    for (const d of dump.departments) if (d.parent_id !== null) departments.set(d.dept_id, { name: d.name, parent: d.parent_id });
    const people = new Map<string, { name: string; status: string; depts: Set<number>; leaderOf: Set<number>; main: number | null }>();
    for (const u of dump.users) {
      people.set(u.userid, {
        name: u.name,
        status: 'enabled',
        depts: new Set(u.depts.map((d) => d.dept_id)),
        leaderOf: new Set(u.depts.filter((d) => d.leader).map((d) => d.dept_id)),
        main: u.depts.find((d) => d.main)?.dept_id ?? null,
      });
    }
    return { departments, people };
  }

  /** The mirror of the org, leaving aside accounts of people who left (disabled, compared separately). */
  async function expectConverged(): Promise<Mirror> {
    const [local, remote] = [await mirror(), expected(await org())];
    expect(local.departments).toEqual(remote.departments);
    const present = new Map([...local.people].filter(([userid]) => remote.people.has(userid)));
    const differing = [...remote.people].filter(([userid, person]) => JSON.stringify(spread(present.get(userid))) !== JSON.stringify(spread(person)));
    expect(differing.map(([userid, person]) => ({ userid, local: spread(present.get(userid)), remote: spread(person) }))).toEqual([]);
    expect(present).toEqual(remote.people);
    return local;
  }

  it('a first full sync reproduces the organization: tree, names, multi-department memberships, leaders', async () => {
    const run = await sync();
    expect(run).toMatchObject({ status: 'succeeded', failed: 0, skipped: 0, error: null });
    const dump = await org();
    expect(run.applied).toBeGreaterThan(dump.users.length + dump.departments.length - 1);
    expect(dump.users.some((u) => u.depts.length > 1)).toBe(true);
    expect(dump.users.some((u) => u.depts.some((d) => d.leader))).toBe(true);
    await expectConverged();

    // The fewest calls: one listsub per department, one user page per 100 direct members (at least one), the token.
    const direct = new Map<number, number>(dump.departments.map((d) => [d.dept_id, 0]));
    for (const u of dump.users) for (const d of u.depts) direct.set(d.dept_id, (direct.get(d.dept_id) ?? 0) + 1);
    const pages = [...direct.values()].reduce((sum, n) => sum + Math.max(1, Math.ceil(n / 100)), 0);
    expect(run.apiCalls.byApi['topapi/v2/department/listsub']).toBe(dump.departments.length);
    expect(run.apiCalls.byApi['topapi/v2/user/list']).toBe(pages);
    expect(run.apiCalls.total - dump.departments.length - pages).toBeLessThanOrEqual(1);
    expect(run.apiCalls.throttled).toBe(0);
  });

  it('a re-sync with no change in DingTalk applies nothing and writes no operation', async () => {
    const run = await sync();
    expect(run).toMatchObject({ status: 'succeeded', applied: 0, failed: 0, skipped: 0 });
    expect(Object.values(run.counts.ops ?? {}).every((n) => n === 0)).toBe(true);
    expect(await app.api.runs.ops(run.id)).toEqual([]);
  });

  it('after a rename, a move, a leaver, a new person in two departments and a membership change, the next sync converges', async () => {
    const dump = await org();
    const depts = dump.departments.filter((d) => d.parent_id !== null);
    const [renamed, moved, newParent] = [depts[1]!, depts[depts.length - 1]!, depts[2]!];
    await emulator.control('PATCH', `/org/departments/${renamed.dept_id}`, { name: `${renamed.name} renamed` });
    expect(moved.dept_id).not.toBe(newParent.dept_id);
    await emulator.control('PATCH', `/org/departments/${moved.dept_id}`, { parent_id: newParent.dept_id });
    const leaver = dump.users.find((u) => u.depts.length === 1)!;
    await emulator.control('DELETE', `/org/users/${leaver.userid}`);
    const newcomer = await emulator.control<{ userid: string }>('POST', '/org/users', {
      name: 'New Person',
      dept_id_list: [depts[0]!.dept_id, depts[3]!.dept_id],
      leader_in_depts: [depts[0]!.dept_id],
    });
    const changer = dump.users.find((u) => u.userid !== leaver.userid && u.depts.length === 1)!;
    await emulator.control('PATCH', `/org/users/${changer.userid}`, { dept_id_list: [depts[4]!.dept_id] });

    const run = await sync();
    expect(run).toMatchObject({ status: 'succeeded', failed: 0, skipped: 0 });
    const local = await expectConverged();
    expect(local.people.get(leaver.userid)?.status).toBe('disabled');
    expect(local.people.get(newcomer.userid)).toMatchObject({ depts: new Set([depts[0]!.dept_id, depts[3]!.dept_id]), main: depts[0]!.dept_id });
    const disabledBy = await database()
      .db.selectFrom('accounts')
      .innerJoin('external_identities as e', 'e.local_id', 'accounts.id')
      .select('accounts.disabled_by')
      .where('e.external_id', '=', leaver.userid)
      .executeTakeFirstOrThrow();
    expect(disabledBy.disabled_by).toBe('sync');
  });

  it('a dry run records the plan field by field and changes nothing', async () => {
    const dump = await org();
    const dept = dump.departments.find((d) => d.parent_id !== null)!;
    await emulator.control('PATCH', `/org/departments/${dept.dept_id}`, { name: 'Dry run name' });
    const before = await app.api.directory.export();
    const run = await sync({ dryRun: true });
    expect(run).toMatchObject({ status: 'succeeded', dryRun: true, applied: 0 });
    expect(await app.api.directory.export()).toEqual(before);
    const ops = await app.api.runs.ops(run.id);
    expect(ops).toContainEqual(
      expect.objectContaining({ op: 'unit.update', status: 'planned', externalId: String(dept.dept_id) }),
    );
    const rename = ops.find((op) => op.op === 'unit.update')!;
    expect(JSON.stringify(rename.after)).toContain('Dry run name');
    expect(JSON.stringify(rename.before)).toContain(dept.name);
    await sync(); // apply it for the tests that follow
  });

  it('30% of people gone holds the run, disables no one until approved, then applies the kept plan', async () => {
    const enabledBefore = await countEnabled();
    const dump = await org();
    const { left } = await emulator.control<{ left: string[] }>('POST', '/org/departures', { count: Math.round(dump.users.length * 0.3) });
    const held = await sync();
    expect(held.status).toBe('held');
    expect(held.guard?.verdict).toBe('hold');
    expect(held.applied).toBe(0);
    expect(await countEnabled()).toBe(enabledBefore);
    expect((await app.api.runs.ops(held.id, { status: 'planned' })).filter((op) => op.op === 'account.disable')).toHaveLength(left.length);
    // The held plan read by kind, as the console's and `runs show --op` filter does: exactly those, with who.
    const disables = await app.api.runs.ops(held.id, { op: 'account.disable' });
    expect(disables.map((op) => op.externalId).sort()).toEqual([...left].sort());
    expect(new Set(disables.map((op) => op.op))).toEqual(new Set(['account.disable']));

    const approved = await app.api.runs.approve(held.id);
    expect(approved.status).toBe('queued');
    const done = await waitFor(held.id);
    expect(done).toMatchObject({ status: 'succeeded', failed: 0 });
    expect(await countEnabled()).toBe(enabledBefore - left.length);
    await expectConverged();
    await expect(app.api.runs.approve(held.id)).rejects.toMatchObject({ code: 'run.not_held', status: 409 });
  });

  it('a rejected held run writes nothing', async () => {
    const enabledBefore = await countEnabled();
    const { left } = await emulator.control<{ left: string[] }>('POST', '/org/departures', { count: Math.round(enabledBefore * 0.3) });
    expect(left.length).toBeGreaterThan(0);
    const held = await sync();
    expect(held.status).toBe('held');
    expect((await app.api.runs.reject(held.id)).status).toBe('rejected');
    expect(await countEnabled()).toBe(enabledBefore);
  });

  it('a failing object leaves the run partial, with its dependants skipped and every other object applied', async () => {
    await app.api.bindings.update(binding.id, { thresholds: { maxDeletePercent: 100 } }, { verify: false });
    await sync(); // accept the departures of the previous test
    const db = database().db;
    await sql`create or replace function dingbridge_test_refuse() returns trigger language plpgsql as $$
      begin raise exception 'refused by a test trigger'; end $$`.execute(db);
    await sql`create trigger dingbridge_test_refuse before insert on accounts for each row
      when (new.display_name = 'Broken Person') execute function dingbridge_test_refuse()`.execute(db);
    try {
      const dump = await org();
      const dept = dump.departments.find((d) => d.parent_id !== null)!.dept_id;
      const broken = await emulator.control<{ userid: string }>('POST', '/org/users', { name: 'Broken Person', dept_id_list: [dept] });
      const fine = await emulator.control<{ userid: string }>('POST', '/org/users', { name: 'Fine Person', dept_id_list: [dept] });
      await emulator.control('PATCH', `/org/departments/${dept}`, { name: 'Renamed alongside' });
      const run = await sync();
      expect(run).toMatchObject({ status: 'partial', failed: 1 });
      expect(run.skipped).toBeGreaterThanOrEqual(1);
      const failed = await app.api.runs.ops(run.id, { status: 'failed' });
      expect(failed).toEqual([expect.objectContaining({ op: 'account.create', externalId: broken.userid })]);
      expect(failed[0]!.reason).toContain('refused by a test trigger');
      const skipped = await app.api.runs.ops(run.id, { status: 'skipped' });
      expect(skipped.every((op) => op.externalId?.includes(broken.userid))).toBe(true);
      const local = await mirror();
      expect(local.people.has(fine.userid)).toBe(true);
      expect(local.people.has(broken.userid)).toBe(false);
      expect(local.departments.get(dept)?.name).toBe('Renamed alongside');
    } finally {
      await sql`drop trigger dingbridge_test_refuse on accounts`.execute(db);
    }
    // With the obstacle gone, the next sync completes the directory.
    expect((await sync()).status).toBe('succeeded');
    await expectConverged();
  });

  it('collapses a second request while one is queued into that one, or one follow-up', async () => {
    const dump = await org();
    await emulator.control('PATCH', `/org/departments/${dump.departments[1]!.dept_id}`, { name: 'Through the queue' });
    const queued = await app.api.runs.start(binding.id);
    const again = await app.api.runs.start(binding.id);
    const ended = await waitFor(queued.id);
    // A second request while the first was still queued collapsed into it, or queued one follow-up.
    if (again.id !== queued.id) expect((await waitFor(again.id)).status).toBe('succeeded');
    expect(ended.status).toBe('succeeded');
    expect((await mirror()).departments.get(dump.departments[1]!.dept_id)?.name).toBe('Through the queue');
  });

  it('refuses unknown ids clearly', async () => {
    await expect(app.api.runs.show('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: 'run.not_found', status: 404 });
    await expect(app.api.runs.start('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: 'binding.not_found', status: 404 });
  });

  function spread(person: { depts: Set<number>; leaderOf: Set<number> } | undefined): unknown {
    return person && { ...person, depts: [...person.depts].sort(), leaderOf: [...person.leaderOf].sort() };
  }

  async function waitFor(id: string): Promise<RunView> {
    for (;;) {
      const run = await app.api.runs.show(id);
      if (!['queued', 'running'].includes(run.status)) return run;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function countEnabled(): Promise<number> {
    const row = await database()
      .db.selectFrom('accounts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'enabled')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
});

