/**
 * Scheduled reconciliation through the composition root: pg-boss schedules on `sync-reconcile` follow the bindings
 * (added, changed, turned off, removed, repaired at start), the worker drops a removed binding's job, and a
 * schedule that fires produces exactly one `reconcile` run — on PostgreSQL with two Dingbridge instances on one
 * database (the only slow test: it waits for a minute boundary).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestClock } from 'pg-boss';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDingbridge, type Dingbridge, type OpenOptions } from '../../src/app.ts';
import type { BindingCreateInput } from '../../src/bindings/index.ts';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { createDatabase, type DatabaseHandle } from '../../src/db/index.ts';
import { JOB_QUEUES } from '../../src/jobs/index.ts';
import { useEmulator } from '../support/emulator.ts';
import { describeEachDatabase, openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/test-database.ts';

const QUEUE = JOB_QUEUES.reconcile.name;
/** pg-boss checks schedules every second and sends due jobs at once: a minute cron fires within a second of the minute. */
const FAST_JOBS = { cronWorkerIntervalSeconds: 1, cronMonitorIntervalSeconds: 1, pollingIntervalSeconds: 0.5 } as OpenOptions['jobs'];

const emulator = useEmulator({ seed: 'reconcile', users: 8, qps: 0 });
let dataDir: string;
let config: Config;
beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'dingbridge-reconcile-'));
  config = loadConfig({ DATA_DIR: dataDir }, { onWarning: () => {} });
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const open = (database: DatabaseHandle, clock?: TestClock): Promise<Dingbridge> =>
  openDingbridge(config, { logger: pino({ level: 'silent' }), role: 'cli', database, jobs: { ...FAST_JOBS, ...(clock ? { clock } : {}) } });

async function schedulesOf(app: Dingbridge): Promise<{ key: string; cron: string; tz: string; singletonKey: unknown; missed: unknown }[]> {
  const rows = await app.jobs.boss.getSchedules(QUEUE);
  return rows
    .map((row) => ({ key: row.key, cron: row.cron, tz: row.timezone, singletonKey: row.options?.singletonKey, missed: row.options?.missed }))
    .sort((a, b) => a.key.localeCompare(b.key));
}

const unverified = (fields: Partial<BindingCreateInput> = {}): BindingCreateInput => ({
  name: 'Scheduled',
  corpId: `ding${randomUUID().slice(0, 8)}`,
  appKey: 'k',
  appSecret: 's',
  ...fields,
});

describeEachDatabase('reconcile schedules', ({ database }) => {
  let app: Dingbridge;
  beforeAll(async () => {
    app = await open(database().handle);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('follow each binding: one schedule per daily time, one for cron or interval, none when off or removed', async () => {
    const bindings = app.api.bindings;
    const view = await bindings.add(unverified({ schedule: { kind: 'daily', times: ['03:00', '13:30'] } }), { verify: false });
    const id = view.id;
    expect(await schedulesOf(app)).toEqual([
      { key: `${id}/03.00`, cron: '0 3 * * *', tz: 'Asia/Shanghai', singletonKey: id, missed: 'once' },
      { key: `${id}/13.30`, cron: '30 13 * * *', tz: 'Asia/Shanghai', singletonKey: id, missed: 'once' },
    ]);
    await bindings.update(id, { schedule: { kind: 'cron', cron: '15 2 * * 1-5', timezone: 'Europe/Berlin' } });
    expect(await schedulesOf(app)).toEqual([{ key: id, cron: '15 2 * * 1-5', tz: 'Europe/Berlin', singletonKey: id, missed: 'once' }]);
    await bindings.update(id, { schedule: { kind: 'interval', hours: 6 } });
    expect(await schedulesOf(app)).toEqual([{ key: id, cron: '0 */6 * * *', tz: 'UTC', singletonKey: id, missed: 'once' }]);

    // Another binding's schedules are left alone by this one's changes.
    const other = await bindings.add(unverified({ schedule: { kind: 'daily', times: ['04:00'] } }), { verify: false });
    await bindings.update(id, { schedule: { kind: 'off' } });
    expect((await schedulesOf(app)).map((s) => s.key)).toEqual([`${other.id}/04.00`]);
    await bindings.update(id, { schedule: { kind: 'daily', times: ['05:00'] } });
    await bindings.remove(id);
    expect((await schedulesOf(app)).map((s) => s.key)).toEqual([`${other.id}/04.00`]);
    await bindings.remove(other.id);
    expect(await schedulesOf(app)).toEqual([]);
  });

  it('are repaired at start; the worker drops the job of a binding that no longer exists', async () => {
    const view = await app.api.bindings.add(unverified({ schedule: { kind: 'daily', times: ['06:00'] } }), { verify: false });
    // As if changed while no process ran: the binding's schedule lost, a removed binding's schedule left behind.
    const gone = randomUUID();
    await app.jobs.unschedule(QUEUE, `${view.id}/06.00`);
    await app.jobs.boss.schedule(QUEUE, '0 1 * * *', { bindingId: gone }, { key: `${gone}/01.00`, singletonKey: gone });
    await app.startWorkers();
    expect((await schedulesOf(app)).map((s) => s.key)).toEqual([`${view.id}/06.00`]);

    const jobId = await app.jobs.send(QUEUE, { bindingId: gone }, { singletonKey: gone });
    expect(jobId).not.toBeNull();
    let state: string | undefined;
    while (state !== 'completed' && state !== 'failed') {
      state = (await app.jobs.boss.getJobById(QUEUE, jobId!))?.state;
      if (state !== 'completed' && state !== 'failed') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(state).toBe('completed');
    expect(await app.api.runs.list({ bindingId: view.id })).toEqual([]);
    await app.api.bindings.remove(view.id);
  });
});

describe('a schedule that fires', () => {
  const kind = testDatabaseKinds.includes('postgres') ? 'postgres' : 'pglite';
  let database: TestDatabase;
  const apps: Dingbridge[] = [];
  afterAll(async () => {
    for (const app of apps) await app.close();
    await database?.close();
  });

  it(`produces exactly one reconcile run (${kind}${kind === 'postgres' ? ', two instances on one database' : ''})`, { timeout: 100_000 }, async () => {
    database = await openTestDatabase(kind);
    apps.push(await open(database.handle));
    // A second replica: its own pool, its own pg-boss, the same database (PGlite admits one process).
    if (kind === 'postgres') apps.push(await open(await createDatabase({ url: database.url! })));
    for (const app of apps) await app.startWorkers();
    const [first] = apps;

    const binding = await first!.api.bindings.add({
      name: 'Every minute',
      corpId: emulator.corpId,
      appKey: emulator.appKey,
      appSecret: emulator.appSecret,
      apiBase: emulator.url,
      schedule: { kind: 'cron', cron: '* * * * *', timezone: 'UTC' },
    });
    // Waits for the next minute boundary (vitest's timeout bounds the wait).
    let runs = await first!.api.runs.list({ bindingId: binding.id });
    while (runs.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      runs = await first!.api.runs.list({ bindingId: binding.id });
    }
    // Off before the next minute can fire, then let the run end.
    await first!.api.bindings.update(binding.id, { schedule: { kind: 'off' } });
    let run = runs[0]!;
    while (run.status === 'queued' || run.status === 'running') {
      await new Promise((resolve) => setTimeout(resolve, 250));
      run = await first!.api.runs.show(run.id);
    }
    expect(run).toMatchObject({ kind: 'reconcile', status: 'succeeded', dryRun: false });
    expect(await first!.api.runs.list({ bindingId: binding.id })).toHaveLength(1);
    const fired = await first!.jobs.boss.findJobs(QUEUE, { data: { bindingId: binding.id } });
    expect(fired).toHaveLength(1);
    expect(await schedulesOf(first!)).toEqual([]);
  });
});

describe.each(testDatabaseKinds)('a reconciliation due while no process ran (%s)', (kind) => {
  it('is sent once when a process starts again, however many times were missed', { timeout: 60_000 }, async () => {
    const database = await openTestDatabase(kind);
    const clock = new TestClock('2026-01-01T00:00:30Z');
    const before = await open(database.handle, clock);
    let app = before;
    try {
      await app.startWorkers();
      const binding = await app.api.bindings.add(unverified({ schedule: { kind: 'daily', times: ['03:00', '04:00'], timezone: 'UTC' } }), {
        verify: false,
      });
      await clock.tick(2_000); // a cron pass runs and stamps when it ran: the gap is measured from here
      expect(await app.api.runs.list({ bindingId: binding.id })).toEqual([]);
      // The process stops scheduling (its pg-boss stops; the database handle is shared with the next "process").
      await before.jobs.stop({ graceful: false });

      // Down from 00:00:32 to 05:00: both 03:00 and 04:00 pass with no process to send them.
      await clock.setTime('2026-01-01T05:00:00Z');
      app = await open(database.handle, clock);
      await app.startWorkers();
      const deadline = Date.now() + 30_000;
      let runs = await app.api.runs.list({ bindingId: binding.id });
      while (runs.length === 0 && Date.now() < deadline) {
        await clock.tick(1_000);
        await new Promise((resolve) => setTimeout(resolve, 50));
        runs = await app.api.runs.list({ bindingId: binding.id });
      }
      expect(runs.map((run) => run.kind)).toEqual(['reconcile']);
      // More passes send nothing more for the gap.
      for (let i = 0; i < 5; i += 1) await clock.tick(1_000);
      expect(await app.api.runs.list({ bindingId: binding.id })).toHaveLength(1);
    } finally {
      await app.close();
      await database.close();
    }
  });
});
