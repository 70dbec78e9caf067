import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from 'pg-boss';
import { describeEachDatabase, openTestDatabase, testDatabaseKinds } from '../../test/support/test-database.ts';
import { createJobs, JOB_QUEUES, type Jobs } from './index.ts';

/** Collects what pg-boss reports, so a test can check nothing went wrong behind its back. */
function recordingLogger() {
  const errors: unknown[] = [];
  return { errors, logger: { error: (...args: unknown[]) => errors.push(args), warn: () => {} } };
}

describeEachDatabase('jobs', ({ database }) => {
  const { errors, logger } = recordingLogger();
  let jobs: Jobs;
  let replica: Jobs; // a second pg-boss on the same database, as another replica would run

  beforeAll(async () => {
    jobs = createJobs({ database: database().handle, logger });
    replica = createJobs({ database: database().handle, logger });
    await jobs.start();
    await replica.start();
  });
  afterAll(async () => {
    await replica?.stop({ graceful: false });
    await jobs?.stop({ graceful: false });
    expect(errors).toEqual([]);
  });

  it('creates the queues of the catalog with their policies', async () => {
    for (const spec of Object.values(JOB_QUEUES)) {
      expect(await jobs.boss.getQueue(spec.name)).toMatchObject({ name: spec.name, policy: spec.policy });
    }
  });

  it('delivers a sent job to a worker', async () => {
    await jobs.createQueue({ name: 'test-deliver' });
    const delivered = Promise.withResolvers<unknown>();
    await jobs.work<{ n: number }>(
      'test-deliver',
      ([job]) => Promise.resolve(delivered.resolve(job!.data)),
      { pollingIntervalSeconds: 0.5 },
    );
    await jobs.send('test-deliver', { n: 42 });
    expect(await delivered.promise).toEqual({ n: 42 });
  });

  it('runs one full sync per binding at a time, however many replicas send and fetch', async () => {
    const queue = JOB_QUEUES.fullSync.name;
    const [binding, other] = [randomUUID(), randomUUID()];
    const first = await jobs.send(queue, { binding }, { singletonKey: binding });
    expect(first).not.toBeNull();
    // Already queued for this binding: the second request collapses into the first.
    expect(await replica.send(queue, { binding }, { singletonKey: binding })).toBeNull();

    expect((await jobs.boss.fetch(queue)).map((job) => job.id)).toEqual([first]);
    // While it runs, one follow-up may wait, but no replica may start it.
    const followUp = await replica.send(queue, { binding }, { singletonKey: binding });
    expect(followUp).not.toBeNull();
    expect(await replica.boss.fetch(queue)).toEqual([]);
    // Another binding is not held up.
    const otherJob = await replica.send(queue, { binding: other }, { singletonKey: other });
    expect((await replica.boss.fetch(queue)).map((job) => job.id)).toEqual([otherJob]);

    await jobs.boss.complete(queue, first!);
    expect((await replica.boss.fetch(queue)).map((job) => job.id)).toEqual([followUp]);
  });

  it('enqueues inside a Kysely transaction: the job exists exactly when the transaction commits', async () => {
    await jobs.createQueue({ name: 'test-transactional' });
    const { db } = database();
    await expect(
      db.transaction().execute(async (trx) => {
        await jobs.send('test-transactional', { kept: false }, { transaction: trx });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const id = await db
      .transaction()
      .execute((trx) => jobs.send('test-transactional', { kept: true }, { transaction: trx }));
    const found = await jobs.boss.findJobs('test-transactional');
    expect(found.map((job) => [job.id, job.data])).toEqual([[id, { kept: true }]]);
  });
});

describe.each(testDatabaseKinds)('jobs.schedule (%s)', (kind) => {
  it('sends the scheduled job when its cron time comes, on a pinned clock', async () => {
    const database = await openTestDatabase(kind, { migrate: false });
    const clock = new TestClock('2026-01-01T00:00:30Z');
    const { errors, logger } = recordingLogger();
    const jobs = createJobs({
      database: database.handle,
      logger,
      queues: [{ name: 'test-cron' }],
      boss: { clock, cronWorkerIntervalSeconds: 1, cronMonitorIntervalSeconds: 1, supervise: false },
    });
    try {
      await jobs.start();
      await jobs.schedule('test-cron', '* * * * *', { task: 'reconcile' }, { tz: 'Asia/Shanghai' });
      expect(await jobs.boss.findJobs('test-cron')).toEqual([]);
      await clock.tick(60_000); // past 00:01:00, the first minute boundary
      const [job] = await jobs.boss.fetch<{ task: string }>('test-cron');
      expect(job?.data).toEqual({ task: 'reconcile' });
      expect(errors).toEqual([]);
    } finally {
      await jobs.stop({ graceful: false });
      await database.close();
    }
  });
});

describe('jobs on PGlite after a crash', () => {
  it('fail the jobs a stopped process left active, so they are retried at once', async () => {
    const database = await openTestDatabase('pglite');
    const { errors, logger } = recordingLogger();
    try {
      const crashed = createJobs({ database: database.handle, logger });
      await crashed.start();
      const queue = JOB_QUEUES.outbound.name;
      const id = await crashed.send(queue, { bindingId: 'b' }, { retryLimit: 3, retryDelay: 0 });
      const [taken] = await crashed.boss.fetch(queue);
      expect(taken?.id).toBe(id);
      // The process dies here: no complete, no fail. A new process opens the same database.
      const restarted = createJobs({ database: database.handle, logger: { error: logger.error, warn: () => {} } });
      await restarted.start();
      const [job] = await restarted.boss.findJobs(queue, { id: id! });
      expect(job?.state).toBe('retry');
      const [again] = await restarted.boss.fetch(queue);
      expect(again?.id).toBe(id);
      await restarted.stop({ graceful: false });
      await crashed.stop({ graceful: false });
      expect(errors).toEqual([]);
    } finally {
      await database.close();
    }
  });
});
