/**
 * The composition root (STYLE.md 2): builds every part from the config and passes dependencies in. The server
 * (`dingbridge serve`) and the CLI in direct mode both open Dingbridge through {@link openDingbridge}; nothing
 * else in `src/` builds a service.
 */
import type { Logger } from 'pino';
import { createActivity, type ActivityService } from './activity/index.ts';
import type { DingbridgeApi } from './app-api.ts';
import { createAuth, type Auth } from './auth/index.ts';
import { createBindings } from './bindings/index.ts';
import { createSecretBox, type Config } from './config/index.ts';
import type { Clock } from './core/index.ts';
import { systemClock } from './core/index.ts';
import { createDatabase, migrateToLatest, type DatabaseHandle } from './db/index.ts';
import { createDirectory, createDirectoryManagement } from './directory/index.ts';
import { createEvents, createStreamListener, type Events } from './events/index.ts';
import { createMetrics, type Metrics } from './http/index.ts';
import { createHousekeeping } from './housekeeping/index.ts';
import { createJobs, type Jobs } from './jobs/index.ts';
import { createReconcileScheduler, createSyncRuns, type SyncRuns } from './sync/index.ts';
import { createOutbound } from './outbound/index.ts';

export interface OpenOptions {
  logger: Logger;
  /**
   * `server`: migrates and starts the job workers. `cli`: migrates and sends jobs, works none until
   * {@link Dingbridge.startWorkers} (a CLI `sync --wait` without a server runs its sync itself).
   */
  role: 'server' | 'cli';
  clock?: Clock;
  /** An open database to use instead of the one the config names (tests); closed by {@link Dingbridge.close}. */
  database?: DatabaseHandle;
  /** Extra pg-boss options (tests shorten polling). */
  jobs?: Parameters<typeof createJobs>[0]['boss'];
}

export interface Dingbridge {
  readonly config: Config;
  readonly database: DatabaseHandle;
  readonly jobs: Jobs;
  readonly metrics: Metrics;
  readonly api: DingbridgeApi;
  readonly runs: SyncRuns;
  /** DingTalk events (issue 5): the HTTP push receiver plugin, the inbox, its processor and failed-event recovery. */
  readonly events: Events;
  /** DingTalk sign-in, sessions, the OIDC provider and its applications (the server mounts `auth.plugin()`). */
  readonly auth: Auth;
  /** Each binding's health and activity over time (issue 8), for the console's overview (`activityRoutes`). */
  readonly activity: ActivityService;
  /** Starts the pg-boss workers (full sync …) in this process; the server calls it at start. Idempotent. */
  startWorkers(): Promise<void>;
  /** Database and job queue answer, for `/readyz`. */
  readiness(): Promise<{ ok: boolean; checks: Record<string, { ok: boolean; message?: string }> }>;
  /** Stops workers (letting a running sync finish up to a timeout), jobs and the database. */
  close(): Promise<void>;
}

/**
 * Opens the database (migrating it under a lock), the job queues and the services.
 *
 * @example
 * const dingbridge = await openDingbridge(loadConfig(), { logger, role: 'server' });
 * await dingbridge.startWorkers();
 * const bindings = await dingbridge.api.bindings.list();
 */
export async function openDingbridge(config: Config, options: OpenOptions): Promise<Dingbridge> {
  const { logger } = options;
  const clock = options.clock ?? systemClock;
  const database =
    options.database ??
    (await createDatabase(config.databaseUrl === undefined ? { dataDir: config.dataDir } : { url: config.databaseUrl }));
  let jobs: Jobs | undefined;
  try {
    const applied = await migrateToLatest(database.db);
    if (applied.length > 0) logger.info({ migrations: applied }, 'database: migrations applied');
    jobs = createJobs({ database, logger, ...(options.jobs === undefined ? {} : { boss: options.jobs }) });
    await jobs.start();
  } catch (error) {
    await jobs?.stop({ graceful: false }).catch(() => undefined);
    await database.close();
    throw error;
  }
  const jobsStarted = jobs;

  const metrics = createMetrics();
  const secretBox = createSecretBox(config.secretKey);
  const directory = createDirectory({ db: database.db });
  /** Told after a binding is added, updated or removed (the reconcile scheduler; the Stream listener); each isolated. */
  const bindingChangeListeners: ((bindingId: string) => Promise<void>)[] = [];
  const bindingChanged = async (bindingId: string): Promise<void> => {
    for (const listener of bindingChangeListeners) {
      await listener(bindingId).catch((error: unknown) => logger.warn({ err: error, bindingId }, 'bindings: a change listener failed'));
    }
  };
  const bindings = createBindings({
    db: database.db,
    secretBox,
    clock,
    publicUrl: config.publicUrl,
    logger: logger.child({ area: 'bindings' }),
    onChange: (bindingId) => bindingChanged(bindingId),
    createTargetUnit: async (name, trx) => (await directory.createUnit({ name, parentId: null }, trx)).id,
    clientOptions: { rateLimit: { qps: config.dingtalkQps }, onCall: (info) => metrics.observeCall(info) },
  });
  // Outbound provisioning (issue 7): the outbox local changes are recorded in, delivered by outbound-push jobs.
  const outbound = createOutbound({ db: database.db, jobs: jobsStarted, bindings, clientOf: (id) => bindings.clientOf(id), logger: logger.child({ area: 'outbound' }), clock });
  // Directory management by hand (issue 7): every change records the outbox in its own transaction.
  const management = createDirectoryManagement({ db: database.db, outbox: outbound.outbox, bindings, clock });
  const runs = createSyncRuns({
    db: database.db,
    jobs: jobsStarted,
    syncContext: (id) => bindings.syncContext(id),
    logger: logger.child({ area: 'sync' }),
    clock,
    listeners: {
      stepEnded: (step, seconds) => metrics.observeStep(step, seconds),
      runEnded: (run) => metrics.observeRunEnded(run.kind, run.status),
      opsApplied: (counts) => {
        for (const { op, status, n } of counts) metrics.observeOps(op, status, n);
      },
    },
  });

  const reconcileScheduler = createReconcileScheduler({ jobs: jobsStarted, runs, bindings, logger: logger.child({ area: 'sync' }) });
  bindingChangeListeners.push((bindingId) => reconcileScheduler.syncOne(bindingId));

  // HTTP push (issue 5, §7): receiver → inbox → events-process worker (event runs), failed-event recovery.
  const events = createEvents({
    db: database.db,
    jobs: jobsStarted,
    bindings,
    logger,
    clock,
    observeCallback: (outcome) => metrics.observeCallback(outcome),
    onRunEnded: (status) => metrics.observeRunEnded('event', status),
    releaseLeasesAtStart: database.kind === 'pglite',
  });

  // Stream mode (issue 5, §9): a connection per binding in stream mode, started with the workers (server role);
  // events are ACKed only once the inbox committed them. Replicas each connect; the inbox de-duplicates.
  const streamListener = createStreamListener({
    bindings,
    inbox: events.inbox, // one inbox for both paths: the same group commit and job-send rules
    logger: logger.child({ area: 'events' }),
    metrics: { streamEvent: (outcome) => metrics.observeStreamEvent(outcome), streamReconnect: () => metrics.observeStreamReconnect() },
  });
  bindingChangeListeners.push((bindingId) => streamListener.refresh(bindingId));

  const auth = createAuth({ db: database.db, secretBox, secretKey: config.secretKey, bindings, publicUrl: config.publicUrl, clock });

  // Expired sessions, sign-in states, OIDC models and old processed events deleted hourly, by one replica.
  const housekeeping = createHousekeeping({ db: database.db, jobs: jobsStarted, clock, logger: logger.child({ area: 'housekeeping' }) });

  let workersStarted = false;
  let closed = false;
  return {
    config,
    database,
    jobs: jobsStarted,
    metrics,
    runs,
    events,
    auth,
    activity: createActivity({ db: database.db, bindings, clock, streamStatus: (id) => streamListener.status().find((entry) => entry.bindingId === id) }),
    api: { bindings, runs, directory, apps: auth.apps, units: management.units, accounts: management.accounts, outbound: outbound.service },
    async startWorkers() {
      if (workersStarted) return;
      workersStarted = true;
      await runs.startWorker();
      await outbound.start({ releaseLeases: database.kind === 'pglite' });
      // Schedules changed while no server ran (a direct-mode CLI edit that failed to reach pg-boss) are repaired.
      await reconcileScheduler.syncAll();
      await reconcileScheduler.startWorker();
      await streamListener.start();
      await events.startWorkers();
      await housekeeping.start();
    },
    async readiness() {
      const checks: Record<string, { ok: boolean; message?: string }> = {};
      try {
        await database.db.selectFrom('bindings').select('id').limit(1).execute();
        checks.database = { ok: true };
      } catch (error) {
        checks.database = { ok: false, message: error instanceof Error ? error.message : String(error) };
      }
      checks.jobs = closed ? { ok: false, message: 'stopping' } : { ok: true };
      return { ok: Object.values(checks).every((c) => c.ok), checks };
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await streamListener.stop();
        await jobsStarted.stop({ graceful: true, timeoutMs: 30_000 });
      } finally {
        await database.close();
      }
    },
  };
}
