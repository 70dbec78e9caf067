/**
 * Scheduled reconciliation (issue 5): each binding's schedule becomes pg-boss schedules on the `sync-reconcile`
 * queue, and the worker on that queue turns a fired schedule into a `reconcile` run.
 *
 * pg-boss keeps schedules in its own table and its cron pass claims each minute once across every process on the
 * database, so a schedule fires once however many replicas run. The worker only queues a run
 * (`runs.start(bindingId, { kind: 'reconcile' })`): the run itself goes to the full-sync queue under the binding's
 * singleton key, so a scheduled sync never runs beside another sync of the same binding — it collapses into one
 * already queued.
 *
 * Translation of a binding's schedule (one pg-boss schedule per cron expression, keyed by binding; pg-boss keys
 * allow letters, digits, `_`, `-`, `.` and `/` only, hence `/` and `.` rather than `@` and `:`):
 * - `cron` → the expression as given, in its time zone, key `<bindingId>`;
 * - `daily` → one `M H * * *` per time, in its time zone, key `<bindingId>/HH.MM`;
 * - `interval` N hours → `0 *\/N * * *` in UTC, key `<bindingId>`: aligned to the clock (00:00, 0N:00, … UTC), not
 *   to when the binding was saved, so every replica and every restart agrees on the times without stored state.
 *   When N does not divide 24 the last gap of the day is shorter (N = 5: 00, 05, 10, 15, 20, then 00).
 * - `off` or a removed binding → every key of the binding unscheduled.
 *
 * Every schedule is saved with pg-boss's `missed: 'once'`: when no process ran at a due time (a deploy, an outage),
 * the first cron pass after the restart sends one job for the most recent missed time — one reconciliation catches
 * up however many were missed (a reconcile reads today's DingTalk; running it once per missed time would only
 * repeat it). Schedules saved before this was set are re-saved at start, as a changed one would be.
 */
import type { Logger } from 'pino';
import type { Schedule } from '../bindings/index.ts';
import { isAppError } from '../core/index.ts';
import { JOB_QUEUES, type Jobs } from '../jobs/index.ts';
import type { SyncRuns } from './sync-runs.ts';

/** One pg-boss schedule of a binding. */
export interface ReconcileCron {
  /** pg-boss schedule key: `<bindingId>` or `<bindingId>/HH.MM`. */
  key: string;
  /** Five-field cron expression. */
  cron: string;
  /** IANA time zone the expression is read in. */
  tz: string;
}

/** The queue schedules live on. */
const QUEUE = JOB_QUEUES.reconcile.name;
/** See the module comment: one catch-up job for the times no process was running. */
const MISSED = 'once';

/**
 * The pg-boss schedules a binding's schedule stands for (none when it is off).
 *
 * @example
 * scheduleCrons(id, { kind: 'daily', times: ['03:00', '13:30'], timezone: 'Asia/Shanghai' });
 * // [{ key: `${id}/03.00`, cron: '0 3 * * *', tz: 'Asia/Shanghai' }, { key: `${id}/13.30`, cron: '30 13 * * *', … }]
 */
export function scheduleCrons(bindingId: string, schedule: Schedule): ReconcileCron[] {
  switch (schedule.kind) {
    case 'off':
      return [];
    case 'cron':
      return [{ key: bindingId, cron: schedule.cron, tz: schedule.timezone }];
    case 'daily':
      return [...new Set(schedule.times)].sort().map((time) => {
        const [hours, minutes] = time.split(':').map(Number);
        return { key: `${bindingId}/${time.replace(':', '.')}`, cron: `${minutes} ${hours} * * *`, tz: schedule.timezone };
      });
    case 'interval':
      return [{ key: bindingId, cron: `0 */${schedule.hours} * * *`, tz: 'UTC' }];
  }
}

/** Whether a pg-boss schedule key belongs to the binding. */
const keyOf = (bindingId: string, key: string): boolean => key === bindingId || key.startsWith(`${bindingId}/`);
/** The binding id in a schedule key. */
const bindingOfKey = (key: string): string => key.split('/')[0]!;

export interface ReconcileSchedulerDeps {
  jobs: Jobs;
  runs: Pick<SyncRuns, 'start'>;
  bindings: { schedules(): Promise<{ bindingId: string; schedule: Schedule }[]> };
  logger: Pick<Logger, 'info' | 'warn'>;
}

export interface ReconcileScheduler {
  /** Makes pg-boss's schedules match every binding's (at start: repairs whatever changed while no process ran). */
  syncAll(): Promise<void>;
  /** Makes one binding's pg-boss schedules match its settings (after an add, update or removal). */
  syncOne(bindingId: string): Promise<void>;
  /** Registers the `sync-reconcile` worker in this process. */
  startWorker(): Promise<void>;
}

/** A pg-boss schedule of the queue as stored. */
interface StoredCron {
  key: string;
  cron: string;
  tz: string;
  missed: string | undefined;
}

interface ReconcileJob {
  bindingId: string;
}

/**
 * The scheduler of reconciliation runs.
 *
 * @example
 * const scheduler = createReconcileScheduler({ jobs, runs, bindings, logger });
 * await scheduler.syncAll();
 * await scheduler.startWorker();
 * // after `bindings update --schedule daily:03:00`: await scheduler.syncOne(bindingId);
 */
export function createReconcileScheduler(deps: ReconcileSchedulerDeps): ReconcileScheduler {
  const { jobs, runs, bindings, logger } = deps;

  const existing = async (): Promise<StoredCron[]> => {
    const rows = await jobs.boss.getSchedules(QUEUE, undefined, { limit: 100_000 });
    return rows.map((row) => ({ key: row.key, cron: row.cron, tz: row.timezone, missed: row.options?.missed }));
  };

  /** Unschedules what is stale among `current`, schedules what is missing or changed of `wanted`. */
  const reconcile = async (wanted: ReconcileCron[], current: StoredCron[]): Promise<void> => {
    const wantedKeys = new Map(wanted.map((w) => [w.key, w]));
    for (const row of current) {
      if (!wantedKeys.has(row.key)) {
        await jobs.unschedule(QUEUE, row.key);
        logger.info({ area: 'sync', bindingId: bindingOfKey(row.key), key: row.key }, 'reconcile: schedule removed');
      }
    }
    const currentByKey = new Map(current.map((c) => [c.key, c]));
    for (const want of wanted) {
      const have = currentByKey.get(want.key);
      if (have?.cron === want.cron && have.tz === want.tz && have.missed === MISSED) continue;
      const bindingId = bindingOfKey(want.key);
      // Straight to pg-boss for `singletonKey`: the queue is `stately`, and without a key per binding two
      // bindings firing in the same minute would collapse into one job and one of them would never sync.
      await jobs.boss.schedule(QUEUE, want.cron, { bindingId } satisfies ReconcileJob, {
        tz: want.tz,
        key: want.key,
        singletonKey: bindingId,
        missed: MISSED,
      });
      logger.info({ area: 'sync', bindingId, key: want.key, cron: want.cron, tz: want.tz }, 'reconcile: scheduled');
    }
  };

  const scheduler: ReconcileScheduler = {
    async syncAll() {
      const all = await bindings.schedules();
      const wanted = all.flatMap(({ bindingId, schedule }) => scheduleCrons(bindingId, schedule));
      await reconcile(wanted, await existing());
    },

    async syncOne(bindingId) {
      const found = (await bindings.schedules()).find((entry) => entry.bindingId === bindingId);
      const wanted = found === undefined ? [] : scheduleCrons(bindingId, found.schedule);
      await reconcile(wanted, (await existing()).filter((row) => keyOf(bindingId, row.key)));
    },

    async startWorker() {
      await jobs.work<ReconcileJob>(QUEUE, async ([job]) => {
        if (job === undefined) return;
        const { bindingId } = job.data;
        try {
          const run = await runs.start(bindingId, { kind: 'reconcile' });
          logger.info({ area: 'sync', bindingId, runId: run.id }, 'reconcile: scheduled sync queued');
        } catch (error) {
          // A schedule left behind by a binding removed while no process ran (or mid-removal): nothing to sync,
          // and retrying would not change that. Drop the job and the stale schedule.
          if (!isAppError(error, 'binding.not_found')) throw error;
          logger.warn({ area: 'sync', bindingId }, 'reconcile: the binding no longer exists; schedule dropped');
          await scheduler.syncOne(bindingId);
        }
      });
    },
  };
  return scheduler;
}
