/**
 * Sync runs: queueing full syncs, running them as one pipeline of named steps, and the held-run decisions.
 *
 * ```
 * crawl → load → plan → guard → apply
 * ```
 * Each step's name is written to the run record while it runs (`step`), to the logs, and to the step metric. A run
 * is a `sync_runs` row: `queued` by {@link SyncRuns.start} together with its pg-boss job (one transaction: the job
 * exists exactly when the row does), `running` in the worker, then `succeeded | partial | failed | held`.
 *
 * One full sync per binding at a time, however many replicas: the job carries the binding id as its singleton key
 * on the `stately` queue (one queued and one active per key). A second request while one is queued returns the
 * queued run. A process that dies mid-run leaves its job to expire and be retried: the retry discards the partial
 * per-operation results and plans afresh from the directory as it now is (what was applied stays applied, and a
 * new plan does not repeat it).
 */
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import { AppError, isAppError, isUuid, systemClock, type Clock } from '../core/index.ts';
import type { Database, JsonValue, SyncRun } from '../db/index.ts';
import { json } from '../db/index.ts';
import type { DingTalkClient } from '../dingtalk/index.ts';
import { JOB_QUEUES, type Jobs } from '../jobs/index.ts';
import { usersInDelivery } from '../outbound/index.ts';
import { crawlAddressBook, type AddressBookSnapshot, type CrawlFailure } from './address-book-crawl.ts';
import { addressBookSourceOf } from './address-book-source.ts';
import { applyPlan } from './apply-plan.ts';
import { loadDirectoryView } from './load-directory-view.ts';
import type { LocalDirectoryView } from './local-directory-view.ts';
import { syncPlanSchema, type SyncPlan } from './plan-operation.ts';
import { recordPlannedOps } from './plan-op-record.ts';
import { crawlRootsOf, ROOT_DEPT_ID, type SyncBinding } from './sync-binding.ts';
import { guardPlan, type DeletionThresholds, type GuardVerdict } from './sync-guard.ts';
import { planSync } from './sync-plan.ts';
import {
  runListQuerySchema,
  runOpsQuerySchema,
  TERMINAL_RUN_STATUSES,
  type RunOpsQuery,
  type RunOpView,
  type RunListQuery,
  type RunsService,
  type RunStep,
  type RunView,
} from './sync-run-contract.ts';

/** What a run needs of its binding (the bindings area provides it). */
export interface SyncContext {
  binding: SyncBinding;
  thresholds: DeletionThresholds;
  name: string;
  corpId: string;
  client: DingTalkClient;
}

/** Where a run's life shows outside its record: metrics and logs subscribe; a failing listener never breaks a run. */
export interface SyncRunListeners {
  stepEnded?(step: RunStep, seconds: number): void;
  runEnded?(run: RunView): void;
  opsApplied?(counts: { op: string; status: string; n: number }[]): void;
}

export interface SyncRunsDeps {
  db: Kysely<Database>;
  jobs: Jobs;
  syncContext: (bindingId: string) => Promise<SyncContext>;
  logger: Logger;
  clock?: Clock;
  listeners?: SyncRunListeners;
  /** Operations per apply transaction. */
  batchSize?: number;
}

export interface SyncRuns extends RunsService {
  /** Registers the full-sync worker in this process (the server does at start; `sync --wait` without a server too). */
  startWorker(options?: { concurrency?: number }): Promise<void>;
  /** Runs one queued run now, in this process (the job handler; also for tests). */
  execute(runId: string, options?: { approved?: boolean; signal?: AbortSignal }): Promise<RunView>;
}

interface FullSyncJob {
  runId: string;
  /** Apply the kept plan of a held run an administrator approved. */
  approved?: boolean;
}

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_RUN_STATUSES);
/** How often progress (crawl counts) is written to the run record while a step runs. */
const PROGRESS_WRITE_MS = 1000;

/**
 * The runs area over the database and the job queue.
 *
 * @example
 * const runs = createSyncRuns({ db, jobs, syncContext: (id) => bindings.syncContext(id), logger });
 * await runs.startWorker();
 * const run = await runs.start(bindingId, { dryRun: true });
 */
export function createSyncRuns(deps: SyncRunsDeps): SyncRuns {
  const { db, jobs, logger } = deps;
  const clock = deps.clock ?? systemClock;
  const listeners = deps.listeners ?? {};
  /** The full-sync worker of this process, if it runs one: woken at once when a run is queued here. */
  let workerId: string | undefined;

  function notify<K extends keyof SyncRunListeners>(name: K, ...args: Parameters<NonNullable<SyncRunListeners[K]>>): void {
    try {
      (listeners[name] as ((...a: unknown[]) => void) | undefined)?.(...args);
    } catch (error) {
      logger.warn({ err: error, listener: name }, 'sync: a run listener failed');
    }
  }

  async function runRow(id: string): Promise<SyncRun> {
    if (!isUuid(id)) throw runNotFound(id);
    const row = await db.selectFrom('sync_runs').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw runNotFound(id);
    return row;
  }

  /**
   * Enqueues a run's job in the transaction that writes the run (the job exists exactly when the row does); throws
   * {@link COLLAPSED} when the singleton policy folds it into a job already queued under `key`.
   */
  async function sendFullSync(trx: Transaction<Database>, job: FullSyncJob, key: string): Promise<void> {
    const jobId = await jobs.send(JOB_QUEUES.fullSync.name, job, {
      transaction: trx,
      singletonKey: key,
      retryLimit: 2,
      retryDelay: 5,
      expireInSeconds: 4 * 3600,
    });
    if (jobId === null) throw COLLAPSED;
  }

  const service: SyncRuns = {
    async start(bindingId, options = {}) {
      const dryRun = options.dryRun ?? false;
      const kind = options.kind ?? 'full';
      const context = await deps.syncContext(bindingId); // binding.not_found before anything is written
      const id = crypto.randomUUID();
      const outcome = { sent: false };
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('sync_runs').values({ id, binding_id: context.binding.id, kind, dry_run: dryRun }).execute();
        await sendFullSync(trx, { runId: id }, dryRun ? `${bindingId}:dry-run` : bindingId);
        outcome.sent = true;
      }).catch((error: unknown) => {
        if (error !== COLLAPSED) throw error;
      });
      if (outcome.sent) {
        if (workerId !== undefined) jobs.boss.notifyWorker(workerId);
        return toView(await runRow(id));
      }
      // Collapsed into a run already queued for this binding: that one will see today's DingTalk too.
      const queued = await db
        .selectFrom('sync_runs')
        .selectAll()
        .where('binding_id', '=', bindingId)
        .where('status', '=', 'queued')
        .where('dry_run', '=', dryRun)
        .where('kind', 'in', ['full', 'reconcile'])
        .orderBy('created_at', 'desc')
        .executeTakeFirst();
      if (queued) return toView(queued);
      throw new AppError('run.busy', `A sync of binding ${bindingId} is just starting. Try again in a moment.`, {
        status: 409,
      });
    },

    async list(query: RunListQuery = {}) {
      const q = runListQuerySchema.parse(query);
      let select = db.selectFrom('sync_runs').selectAll().orderBy('created_at', 'desc').orderBy('id').limit(q.limit);
      if (q.bindingId !== undefined) select = select.where('binding_id', '=', q.bindingId);
      if (q.status !== undefined) select = select.where('status', '=', q.status);
      return (await select.execute()).map(toView);
    },

    async show(id) {
      return toView(await runRow(id));
    },

    async ops(id, query: RunOpsQuery = {}): Promise<RunOpView[]> {
      await runRow(id);
      const q = runOpsQuerySchema.parse(query);
      let select = db.selectFrom('sync_ops').selectAll().where('run_id', '=', id).orderBy('seq').offset(q.offset).limit(q.limit);
      if (q.status !== undefined) select = select.where('status', '=', q.status);
      if (q.op !== undefined) select = select.where('op', '=', q.op);
      const rows = await select.execute();
      return rows.map((row) => ({
        seq: row.seq,
        op: row.op,
        targetKind: row.target_kind as RunOpView['targetKind'],
        externalId: row.external_id,
        localId: row.local_id,
        status: row.status,
        reason: row.reason,
        before: row.before,
        after: row.after,
      }));
    },

    async approve(id) {
      const run = await runRow(id);
      if (run.status !== 'held') throw notHeld(run);
      let sent = false;
      await db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('sync_runs')
          .set({ status: 'queued', decided_at: new Date(clock.now()) })
          .where('id', '=', id)
          .where('status', '=', 'held')
          .executeTakeFirst();
        if (updated.numUpdatedRows === 0n) return; // approved or rejected concurrently
        await sendFullSync(trx, { runId: id, approved: true }, run.binding_id);
        sent = true;
      }).catch((error: unknown) => {
        if (error !== COLLAPSED) throw error;
        throw new AppError(
          'run.busy',
          `Another sync of this binding is queued; run ${id} stays held. Approve it again when that sync has ended (it may also be held with a fresh plan).`,
          { status: 409 },
        );
      });
      if (sent && workerId !== undefined) jobs.boss.notifyWorker(workerId);
      const after = await runRow(id);
      if (!sent && after.status !== 'queued') throw notHeld(after);
      return toView(after);
    },

    async reject(id) {
      const run = await runRow(id);
      if (run.status !== 'held') throw notHeld(run);
      const now = new Date(clock.now());
      const updated = await db
        .updateTable('sync_runs')
        .set({ status: 'rejected', decided_at: now, ended_at: now })
        .where('id', '=', id)
        .where('status', '=', 'held')
        .executeTakeFirst();
      const after = await runRow(id);
      if (updated.numUpdatedRows === 0n) throw notHeld(after);
      const view = toView(after);
      notify('runEnded', view);
      return view;
    },

    async startWorker({ concurrency = 2 } = {}) {
      workerId = await jobs.work<FullSyncJob>(
        JOB_QUEUES.fullSync.name,
        async ([job]) => {
          if (!job) return;
          await service.execute(job.data.runId, { approved: job.data.approved === true, signal: job.signal });
        },
        // Half a second between polls: a queued sync starts within 0.5 s instead of pg-boss's default 2 s.
        { localConcurrency: concurrency, pollingIntervalSeconds: 0.5 },
      );
    },

    async execute(runId, options = {}) {
      const run = await runRow(runId);
      if (TERMINAL.has(run.status)) return toView(run); // a duplicate delivery of a finished job
      const runLog = logger.child({ runId, bindingId: run.binding_id, kind: run.kind, dryRun: run.dry_run });
      const pipeline = new RunPipeline(db, clock, runLog, notify, deps.batchSize);
      try {
        await pipeline.run(run, deps.syncContext, options);
      } catch (error) {
        await pipeline.fail(run.id, error);
      }
      const view = toView(await runRow(runId));
      notify('runEnded', view);
      return view;
    },
  };
  return service;
}

const COLLAPSED = new Error('collapsed into a queued job');

/** The steps of one run, top to bottom. */
class RunPipeline {
  private step: RunStep | null = null;
  private readonly stepSeconds: Partial<Record<RunStep, number>> = {};
  private stepStarted = 0;
  private readonly db: Kysely<Database>;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly notify: <K extends keyof SyncRunListeners>(name: K, ...args: Parameters<NonNullable<SyncRunListeners[K]>>) => void;
  private readonly batchSize: number | undefined;
  private client: DingTalkClient | undefined;
  private callsBefore: { total: number; byApi: Record<string, number>; throttled: number } | undefined;

  constructor(
    db: Kysely<Database>,
    clock: Clock,
    logger: Logger,
    notify: RunPipeline['notify'],
    batchSize: number | undefined,
  ) {
    this.db = db;
    this.clock = clock;
    this.logger = logger;
    this.notify = notify;
    this.batchSize = batchSize;
  }

  async run(row: SyncRun, syncContext: (bindingId: string) => Promise<SyncContext>, options: { approved?: boolean; signal?: AbortSignal }): Promise<void> {
    const now = new Date(this.clock.now());
    // A retry after a crash starts over: results of the interrupted attempt are dropped, the directory keeps what it
    // applied. An approved run keeps its `planned` rows (its kept plan); any other run replans from scratch.
    let staleOps = this.db.deleteFrom('sync_ops').where('run_id', '=', row.id);
    if (options.approved === true) staleOps = staleOps.where('status', '!=', 'planned');
    await staleOps.execute();
    await this.db
      .updateTable('sync_runs')
      .set({ status: 'running', started_at: row.started_at ?? now, ended_at: null, error: null })
      .where('id', '=', row.id)
      .execute();

    if (options.approved === true) {
      await this.applyApproved(row);
      return;
    }

    const context = await syncContext(row.binding_id);
    this.client = context.client;
    this.callsBefore = callsOf(context.client);
    this.logger.info({ binding: context.name }, 'sync: run started');

    const snapshot = await this.inStep(row.id, 'crawl', () => this.crawl(row.id, context, options.signal));
    const fatal = fatalCrawlFailure(snapshot);
    if (fatal) throw fatal;

    const { snapshot: settled, local } = await this.inStep(row.id, 'load', async () => {
      // Read before the links: a delivery committing meanwhile is then seen linked (`usersInDelivery`).
      const delivering = await usersInDelivery(this.db, context.binding.id);
      const view = await loadDirectoryView(this.db, { id: context.binding.id, targetUnitId: context.binding.targetUnitId });
      return withoutDelivering(snapshot, view, delivering);
    });
    const plan = await this.inStep(row.id, 'plan', () =>
      Promise.resolve(planSync({ binding: context.binding, snapshot: settled, local, now: this.clock.now() })),
    );
    const crawlCounts = { departments: snapshot.departments.size, users: snapshot.users.size };
    const verdict = await this.inStep(row.id, 'guard', () =>
      Promise.resolve(guardPlan(plan, { complete: snapshot.complete, thresholds: context.thresholds, baseline: plan.baseline })),
    );
    const incomplete = snapshot.complete ? null : incompleteError(snapshot.failures);
    const counts = { ...crawlCounts, ops: plan.counts, review: plan.review.length, applied: 0, failed: 0, skipped: 0 };

    if (row.dry_run || verdict.verdict === 'hold') {
      await recordPlannedOps(this.db, row.id, plan);
      const held = !row.dry_run;
      await this.finish(row.id, {
        status: held ? 'held' : incomplete ? 'partial' : 'succeeded',
        counts,
        guard: verdictJson(verdict),
        plan: held ? plan : null,
        error: incomplete,
      });
      this.logger.info({ ops: plan.ops.length, verdict: verdict.verdict }, held ? 'sync: run held by the guard' : 'sync: dry run planned');
      return;
    }

    const result = await this.inStep(row.id, 'apply', () => this.apply(row.id, plan, counts, options.signal));
    const status =
      result.failed + result.skipped === 0 ? (incomplete ? 'partial' : 'succeeded') : result.applied === 0 ? 'failed' : 'partial';
    await this.finish(row.id, {
      status,
      counts: { ...counts, applied: result.applied, failed: result.failed, skipped: result.skipped },
      guard: verdictJson(verdict),
      plan: null,
      error: incomplete,
    });
    this.logger.info({ status, ...result }, 'sync: run ended');
  }

  private async applyApproved(row: SyncRun): Promise<void> {
    const parsed = syncPlanSchema.safeParse(row.plan);
    if (!parsed.success) {
      throw new AppError('run.plan_unreadable', 'The kept plan of this held run cannot be read; start a new sync instead.', {
        status: 409,
        details: { issues: parsed.error.issues.slice(0, 5) },
      });
    }
    const plan = parsed.data;
    const before = (row.counts ?? {}) as Record<string, JsonValue>;
    this.logger.info({ ops: plan.ops.length }, 'sync: applying an approved plan');
    const result = await this.inStep(row.id, 'apply', () => this.apply(row.id, plan, before, undefined));
    const status = result.failed + result.skipped === 0 ? 'succeeded' : result.applied === 0 ? 'failed' : 'partial';
    await this.finish(row.id, {
      status,
      counts: { ...before, applied: result.applied, failed: result.failed, skipped: result.skipped },
      guard: row.guard,
      plan: null,
      error: null,
    });
  }

  private async crawl(runId: string, context: SyncContext, signal: AbortSignal | undefined): Promise<AddressBookSnapshot> {
    const roots = crawlRootsOf(context.binding.scope);
    // A chosen department becomes a unit named after it: fetch the names of the roots other than the org's root
    // (one `department/get` each; the whole-org scope needs none).
    const rootNames = new Map<number, string>();
    for (const root of roots) {
      if (root === ROOT_DEPT_ID) continue;
      const department = await context.client.departments.get(root, { signal });
      rootNames.set(root, department.name);
    }
    const record = this.progressRecorder(runId);
    return crawlAddressBook(addressBookSourceOf(context.client), {
      roots,
      rootNames,
      signal,
      onProgress: (progress) => record(() => ({ departments: progress.departments, users: progress.users })),
    });
  }

  /**
   * Writes progress counts (and the calls so far) to the run row at most once per {@link PROGRESS_WRITE_MS}, without
   * waiting: a progress write never slows the step it reports on, and a failed one is only logged.
   */
  private progressRecorder(runId: string): (counts: () => Record<string, unknown>) => void {
    let lastWrite = 0;
    return (counts) => {
      const now = Date.now();
      if (now - lastWrite < PROGRESS_WRITE_MS) return;
      lastWrite = now;
      void this.db
        .updateTable('sync_runs')
        .set({ counts: json(counts()), api_calls: json(this.calls()) })
        .where('id', '=', runId)
        .execute()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'sync: progress not recorded'));
    };
  }

  private async apply(runId: string, plan: SyncPlan, counts: Record<string, unknown>, signal: AbortSignal | undefined) {
    const record = this.progressRecorder(runId);
    const result = await applyPlan(this.db, plan, {
      runId,
      now: new Date(this.clock.now()),
      ...(this.batchSize === undefined ? {} : { batchSize: this.batchSize }),
      ...(signal === undefined ? {} : { signal }),
      onProgress: (progress) =>
        record(() => ({ ...counts, applied: progress.applied, failed: progress.failed, skipped: progress.skipped })),
    });
    const byStatus = await this.db
      .selectFrom('sync_ops')
      .select(['op', 'status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('run_id', '=', runId)
      .groupBy(['op', 'status'])
      .execute();
    this.notify('opsApplied', byStatus.map((r) => ({ op: r.op, status: r.status, n: Number(r.n) })));
    return result;
  }

  private async inStep<T>(runId: string, step: RunStep, work: () => Promise<T>): Promise<T> {
    this.step = step;
    this.stepStarted = performance.now();
    await this.db.updateTable('sync_runs').set({ step }).where('id', '=', runId).execute();
    this.logger.debug({ step }, 'sync: step started');
    const value = await work();
    const seconds = (performance.now() - this.stepStarted) / 1000;
    this.stepSeconds[step] = Math.round(seconds * 1000) / 1000;
    this.logger.info({ step, seconds: Math.round(seconds * 1000) / 1000 }, 'sync: step done');
    this.notify('stepEnded', step, seconds);
    return value;
  }

  private calls(): { total: number; byApi: Record<string, number>; throttled: number } {
    if (!this.client || !this.callsBefore) return { total: 0, byApi: {}, throttled: 0 };
    const now = callsOf(this.client);
    const byApi: Record<string, number> = {};
    for (const [api, n] of Object.entries(now.byApi)) {
      const made = n - (this.callsBefore.byApi[api] ?? 0);
      if (made > 0) byApi[api] = made;
    }
    return { total: now.total - this.callsBefore.total, byApi, throttled: now.throttled - this.callsBefore.throttled };
  }

  private async finish(
    runId: string,
    end: { status: SyncRun['status']; counts: Record<string, unknown>; guard: JsonValue | null; plan: SyncPlan | null; error: JsonValue | null },
  ): Promise<void> {
    await this.db
      .updateTable('sync_runs')
      .set({
        status: end.status,
        step: null,
        counts: json({ ...end.counts, stepSeconds: { ...(end.counts.stepSeconds ?? {}), ...this.stepSeconds } }),
        api_calls: json(this.calls()),
        guard: end.guard === null ? null : json(end.guard),
        plan: end.plan === null ? null : json(end.plan),
        error: end.error === null ? null : json(end.error),
        ended_at: new Date(this.clock.now()),
      })
      .where('id', '=', runId)
      .execute();
  }

  /** Ends the run `failed` in the step it was in, with the error's code and message. */
  async fail(runId: string, error: unknown): Promise<void> {
    const appError = isAppError(error) ? error : undefined;
    const body = appError
      ? { code: appError.code, message: appError.message, details: toJsonValue(appError.details) }
      : { code: 'internal', message: 'The run failed unexpectedly; see the server log.' };
    if (appError?.expose === false || !appError) this.logger.error({ err: error, step: this.step }, 'sync: run failed');
    else this.logger.warn({ code: appError.code, step: this.step }, `sync: run failed: ${appError.message}`);
    await this.db
      .updateTable('sync_runs')
      .set({
        status: 'failed',
        step: this.step,
        counts: json({ stepSeconds: this.stepSeconds }),
        api_calls: json(this.calls()),
        error: json(body),
        ended_at: new Date(this.clock.now()),
      })
      .where('id', '=', runId)
      .execute();
  }
}

function callsOf(client: DingTalkClient): { total: number; byApi: Record<string, number>; throttled: number } {
  const stats = client.stats();
  return { total: stats.total, byApi: { ...stats.byApi }, throttled: stats.throttled };
}

/**
 * A crawl failure that no retry of the same run could fix and that makes the snapshot worthless: DingTalk refused
 * the credentials, a permission or the scope at a root. Such a run fails, naming the cause and what to click.
 */
function fatalCrawlFailure(snapshot: AddressBookSnapshot): AppError | undefined {
  const fatalCodes = ['dingtalk.invalid_credentials', 'dingtalk.permission_denied', 'dingtalk.ip_blocked', 'dingtalk.quota_exceeded'];
  for (const failure of snapshot.failures) {
    if (isAppError(failure.error, ...fatalCodes)) return failure.error;
  }
  const rootFailure = snapshot.failures.find((f) => snapshot.roots.includes(f.deptId) && f.step === 'listsub');
  if (rootFailure && isAppError(rootFailure.error)) return rootFailure.error;
  return undefined;
}

function incompleteError(failures: CrawlFailure[]): JsonValue {
  const sample = failures.slice(0, 5).map((f) => ({
    step: f.step,
    deptId: f.deptId,
    code: isAppError(f.error) ? f.error.code : 'unknown',
    message: f.error instanceof Error ? f.error.message : String(f.error),
  }));
  return {
    code: 'sync.incomplete_snapshot',
    message: `${failures.length} DingTalk listing(s) failed, so this run removed and disabled nothing; the next sync will try again.`,
    details: { failures: sample },
  };
}

function verdictJson(verdict: GuardVerdict): JsonValue {
  return toJsonValue(verdict);
}

function toJsonValue(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value ?? null)) as JsonValue;
}

function toView(row: SyncRun): RunView {
  const counts = (row.counts ?? {}) as Record<string, unknown>;
  const calls = (row.api_calls ?? {}) as Partial<RunView['apiCalls']>;
  const number = (v: unknown) => (typeof v === 'number' ? v : 0);
  return {
    id: row.id,
    bindingId: row.binding_id,
    kind: row.kind,
    dryRun: row.dry_run,
    status: row.status,
    step: row.step,
    applied: number(counts.applied),
    failed: number(counts.failed),
    skipped: number(counts.skipped),
    counts: {
      ...(counts.ops === undefined ? {} : { ops: counts.ops as NonNullable<RunView['counts']['ops']> }),
      ...(counts.departments === undefined ? {} : { departments: number(counts.departments) }),
      ...(counts.users === undefined ? {} : { users: number(counts.users) }),
      ...(counts.review === undefined ? {} : { review: number(counts.review) }),
    },
    ...(isRecord(counts.stepSeconds) ? { stepSeconds: counts.stepSeconds } : {}),
    apiCalls: { total: calls.total ?? 0, byApi: calls.byApi ?? {}, throttled: calls.throttled ?? 0 },
    guard: (row.guard as RunView['guard']) ?? null,
    error: (row.error as RunView['error']) ?? null,
    createdAt: row.created_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    endedAt: row.ended_at?.toISOString() ?? null,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}


function runNotFound(id: string): AppError {
  return new AppError('run.not_found', `No sync run with id ${id}. List runs with \`dingbridge runs list\`.`, {
    status: 404,
    details: { id },
  });
}

function notHeld(run: SyncRun): AppError {
  return new AppError('run.not_held', `Run ${run.id} is ${run.status}, not held: only a held run can be approved or rejected.`, {
    status: 409,
    details: { id: run.id, status: run.status },
  });
}

/**
 * The snapshot and the local view without the people an outbound delivery is writing: a create or delete of ours
 * that the crawl saw but whose link or unlink is not committed yet is the delivery's to finish, not a new person or
 * a leaver. Their memberships stay in the view, so their units still count as occupied.
 */
function withoutDelivering(
  snapshot: AddressBookSnapshot,
  local: LocalDirectoryView,
  delivering: ReadonlySet<string>,
): { snapshot: AddressBookSnapshot; local: LocalDirectoryView } {
  if (delivering.size === 0) return { snapshot, local };
  return {
    snapshot: { ...snapshot, users: new Map([...snapshot.users].filter(([userid]) => !delivering.has(userid))) },
    local: { ...local, accounts: local.accounts.filter((account) => !delivering.has(account.userid)) },
  };
}
