import {
  PgBoss,
  fromKysely,
  fromPglite,
  type ConstructorOptions,
  type Job,
  type SendOptions,
  type WorkOptions,
} from 'pg-boss';
import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database, DatabaseHandle } from '../db/index.ts';
import { JOB_QUEUES, type QueueSpec } from './job-queues.ts';

/** The pg-boss schema, beside the application's tables in the same database. */
export const JOBS_SCHEMA = 'pgboss';

export interface CreateJobsOptions {
  /** The application's database: pg-boss lives in the same one, so jobs and data share backups and replicas. */
  database: DatabaseHandle;
  logger: Pick<Logger, 'error' | 'warn'>;
  /** Queues to create at start; defaults to {@link JOB_QUEUES}. */
  queues?: readonly QueueSpec[];
  /** Connections pg-boss may open on PostgreSQL (its own pool beside the application's). Default 4. */
  poolSize?: number;
  /**
   * pg-boss constructor options passed through: a `TestClock` and shorter intervals in tests, maintenance
   * tuning in production. Connection options are chosen here and cannot be overridden.
   */
  boss?: Omit<ConstructorOptions, 'db' | 'backend' | 'connectionString' | 'schema' | keyof DatabaseConnectionKeys>;
}

type DatabaseConnectionKeys = Pick<ConstructorOptions, 'host' | 'port' | 'database' | 'user' | 'password' | 'max'>;

/** pg-boss send options, plus the Kysely transaction to enqueue in. */
export type JobSendOptions = Omit<SendOptions, 'db'> & {
  /**
   * Enqueue inside this Kysely transaction: the job exists exactly when the transaction commits. On PGlite this
   * is also the only way to send from inside a transaction — the transaction holds the single connection, so a
   * send through pg-boss's own connection would wait for it forever. (pg-boss reads the queue's settings from its
   * cache, filled at start and by `createQueue`; a queue created since by another process would be looked up on
   * pg-boss's own connection — harmless on PostgreSQL, and impossible on PGlite, which admits one process.)
   */
  transaction?: Transaction<Database>;
};

/** Handler options: pg-boss's, less the ones that change the handler's shape. */
export type JobWorkOptions = Omit<WorkOptions, 'transactional' | 'perJobResults' | 'includeMetadata'>;

export interface Jobs {
  /** Installs or upgrades the pg-boss schema (under its own advisory lock), creates the queues, starts polling. */
  start(): Promise<void>;
  /** Stops fetching, waits for running handlers (`graceful`, default true, up to `timeoutMs`), releases the pool. */
  stop(options?: { graceful?: boolean; timeoutMs?: number }): Promise<void>;
  createQueue(spec: QueueSpec): Promise<void>;
  /** Enqueues a job; resolves with its id, or null when a singleton rule collapsed it into an existing one. */
  send<T extends object>(queue: string, data: T, options?: JobSendOptions): Promise<string | null>;
  /** Runs `handler` for jobs of `queue` (an array per fetch, one job unless `batchSize` says more). */
  work<T extends object>(
    queue: string,
    handler: (jobs: Job<T>[]) => Promise<unknown>,
    options?: JobWorkOptions,
  ): Promise<string>;
  /** Sends `data` to `queue` on a cron schedule, once across all replicas. `key` tells several schedules apart. */
  schedule(queue: string, cron: string, data?: object, options?: { tz?: string; key?: string }): Promise<void>;
  unschedule(queue: string, key?: string): Promise<void>;
  /** pg-boss itself, for what this wrapper does not repeat (fetch, getQueue, findJobs, cancel, …). */
  readonly boss: PgBoss;
}

/**
 * pg-boss on the application's own database: through its connection URL on PostgreSQL, and through the shared
 * PGlite instance on the embedded database (pg-boss's `fromPglite` adapter: parameterised statements go to
 * `query`, parameterless multi-statement blocks to `exec`, with `backend: 'pglite'`). PGlite serialises every
 * statement, and a Kysely transaction holds it exclusively, so a poll waits for an open transaction instead of
 * running inside it.
 *
 * @example
 * const jobs = createJobs({ database, logger });
 * await jobs.start();
 * await jobs.work<{ bindingId: string }>(JOB_QUEUES.fullSync.name, async ([job]) => runFullSync(job!.data.bindingId));
 * await jobs.send(JOB_QUEUES.fullSync.name, { bindingId }, { singletonKey: bindingId });
 * await jobs.schedule(JOB_QUEUES.reconcile.name, '0 3 * * *', { bindingId }, { tz: 'Asia/Shanghai', key: bindingId });
 * …
 * await jobs.stop();
 */
export function createJobs(options: CreateJobsOptions): Jobs {
  const { database, logger } = options;
  const connection: ConstructorOptions =
    database.kind === 'pglite'
      ? { db: fromPglite(database.pglite), backend: 'pglite' }
      : { connectionString: database.url, max: options.poolSize ?? 4, application_name: 'dingbridge-jobs' };
  const boss = new PgBoss({ ...options.boss, ...connection, schema: JOBS_SCHEMA });
  // Without an 'error' listener an EventEmitter throws; pg-boss reports failed maintenance and polls here.
  boss.on('error', (error) => logger.error({ err: error }, 'jobs: pg-boss error'));
  boss.on('warning', (warning) => logger.warn({ warning }, 'jobs: pg-boss warning'));
  const queues = options.queues ?? Object.values(JOB_QUEUES);

  return {
    boss,
    async start() {
      await boss.start();
      for (const spec of queues) await boss.createQueue(spec.name, spec);
      // PGlite admits one process (the data-directory lock), so a job still `active` at start belongs to a process
      // that died: fail it now (pg-boss retries it while it has retries left) instead of waiting out its heartbeat
      // or expiry, which held a binding's syncs, events or deliveries back for a minute or more after a crash.
      if (database.kind === 'pglite') {
        for (const spec of queues) {
          const active = (await boss.findJobs(spec.name, { limit: 100_000 })).filter((job) => job.state === 'active');
          if (active.length === 0) continue;
          await boss.fail(spec.name, active.map((job) => job.id), { reason: 'the process running it stopped' });
          logger.warn({ queue: spec.name, jobs: active.length }, 'jobs: jobs of a stopped process failed for retry');
        }
      }
    },
    async stop({ graceful = true, timeoutMs = 30_000 } = {}) {
      // On PGlite the instance belongs to the database handle: pg-boss never closes it (fromPglite), and `close`
      // only ends the pool pg-boss opened itself on PostgreSQL.
      await boss.stop({ graceful, timeout: timeoutMs, close: true });
    },
    async createQueue(spec) {
      await boss.createQueue(spec.name, spec);
    },
    async send(queue, data, { transaction, ...sendOptions } = {}) {
      return boss.send(queue, data, transaction ? { ...sendOptions, db: fromKysely(transaction) } : sendOptions);
    },
    async work(queue, handler, workOptions = {}) {
      return boss.work(queue, workOptions, handler);
    },
    async schedule(queue, cron, data, scheduleOptions) {
      await boss.schedule(queue, cron, data ?? null, scheduleOptions);
    },
    async unschedule(queue, key) {
      await boss.unschedule(queue, key);
    },
  };
}
