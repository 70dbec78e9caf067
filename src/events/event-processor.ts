/**
 * The `events-process` worker: drains one binding's pending inbox rows in batches (a burst's ids coalesced into
 * one re-read), applies each batch as an `event` run (`syncEventBatch`), and marks the rows processed — or, when
 * the batch fails, retries it with backoff a few times and then leaves the rows `failed` with the reason.
 *
 * Rows are leased (`claimed_by`, `claimed_until`) under a per-binding advisory lock, so two workers (or replicas)
 * never process one binding at once, and a dead worker's rows come back when its lease ends. On the embedded
 * database only one process can be open, so a lease found at start belonged to a dead process and is released.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import { isAppError } from '../core/index.ts';
import type { Database, JsonValue } from '../db/index.ts';
import { json } from '../db/index.ts';
import { JOB_QUEUES, type Jobs } from '../jobs/index.ts';
import { syncEventBatch, type SyncContext } from '../sync/index.ts';
import { touchedIds } from './dingtalk-event.ts';
import type { EventsProcessJob } from './event-inbox.ts';
import type { QueuedDrains } from './queued-drains.ts';

export interface EventProcessorDeps {
  db: Kysely<Database>;
  jobs: Pick<Jobs, 'send' | 'work'>;
  syncContext: (bindingId: string) => Promise<SyncContext>;
  logger: Logger;
  /** Rows per batch (one run each). Default 500. */
  batchSize?: number;
  /** Attempts before rows are left `failed`. Default 5. */
  maxAttempts?: number;
  /** Lease on claimed rows. Default 120 s. */
  leaseSeconds?: number;
  onRunEnded?: (status: string) => void;
  /** Told as each drain job starts, so the inbox sends a job again for rows this drain may have passed. */
  queuedDrains?: QueuedDrains;
}

export interface EventProcessor {
  /** Processes every pending row of the binding now (the job handler; also for tests). Returns the rows handled. */
  drain(bindingId: string): Promise<number>;
  /** Registers the worker and queues a drain for every binding with pending rows (what a crash left behind). */
  start(options: { releaseLeases: boolean }): Promise<void>;
}

/**
 * @example
 * const processor = createEventProcessor({ db, jobs, syncContext: (id) => bindings.syncContext(id), logger });
 * await processor.start({ releaseLeases: database.kind === 'pglite' });
 */
export function createEventProcessor(deps: EventProcessorDeps): EventProcessor {
  const { db, jobs, logger } = deps;
  const batchSize = deps.batchSize ?? 500;
  const maxAttempts = deps.maxAttempts ?? 5;
  const leaseSeconds = deps.leaseSeconds ?? 120;
  const worker = `events-${randomUUID()}`;

  async function claim(bindingId: string) {
    return db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext(${`dingbridge.events:${bindingId}`}))`.execute(trx);
      const busy = await trx
        .selectFrom('event_inbox')
        .select('id')
        .where('binding_id', '=', bindingId)
        .where('status', '=', 'pending')
        .where('claimed_by', 'is not', null)
        .where('claimed_until', '>', sql<Date>`now()`)
        .limit(1)
        .executeTakeFirst();
      // Any live lease, this process's included: a drain releases its rows before it claims again, so a lease it
      // finds is another drain's (a job pg-boss failed by heartbeat and retried while its handler still ran, say).
      if (busy) return null;
      const rows = await sql<{ id: string; event_id: string; payload: JsonValue; attempts: number }>`
        update event_inbox e set claimed_by = ${worker}, claimed_until = now() + make_interval(secs => ${leaseSeconds})
        where e.id in (
          select id from event_inbox
          where binding_id = ${bindingId} and status = 'pending'
            and (next_attempt_at is null or next_attempt_at <= now())
          order by received_at, id
          limit ${batchSize})
        returning e.id, e.event_id, e.payload, e.attempts`.execute(trx);
      return rows.rows;
    });
  }

  /**
   * Queues a drain for when the binding's earliest backed-off row is due. Called at the end of every drain (not
   * only after a failure) because the queue is `stately`: a send made while another job of the binding is queued
   * collapses into it, and that job, ending here too, makes the send again — so the last drain always leaves one.
   */
  async function scheduleBackedOff(bindingId: string): Promise<void> {
    const due = await db
      .selectFrom('event_inbox')
      .select(sql<number>`extract(epoch from min(next_attempt_at) - now())`.as('seconds'))
      .where('binding_id', '=', bindingId)
      .where('status', '=', 'pending')
      .where('next_attempt_at', 'is not', null)
      .executeTakeFirst();
    if (due?.seconds === null || due?.seconds === undefined) return;
    await jobs.send(JOB_QUEUES.events.name, { bindingId } satisfies EventsProcessJob, {
      singletonKey: bindingId,
      startAfter: Math.max(1, Math.ceil(Number(due.seconds)) + 1),
    });
  }

  async function drain(bindingId: string): Promise<number> {
    let handled = 0;
    for (;;) {
      const rows = await claim(bindingId);
      if (rows === null) {
        // Another drain's lease: with one active job per binding (stately) usually a dead process's, so look again
        // once it has run out rather than leave its rows to the next event or a restart.
        await jobs.send(JOB_QUEUES.events.name, { bindingId } satisfies EventsProcessJob, { singletonKey: bindingId, startAfter: leaseSeconds + 1 });
        return handled;
      }
      if (rows.length === 0) {
        await scheduleBackedOff(bindingId);
        return handled;
      }
      const ids = rows.map((r) => r.id);
      const userids = new Set<string>();
      const deptIds = new Set<number>();
      for (const row of rows) {
        const touched = touchedIds(row.payload);
        for (const id of touched.userids) userids.add(id);
        for (const id of touched.deptIds) deptIds.add(id);
      }
      try {
        const context = await deps.syncContext(bindingId);
        const result = await syncEventBatch(
          { db, context, logger, eventIds: rows.map((r) => r.event_id) },
          { userids: [...userids], deptIds: [...deptIds] },
        );
        await db
          .updateTable('event_inbox')
          .set({ status: 'processed', processed_at: sql<Date>`now()`, run_id: result.runId, claimed_by: null, claimed_until: null, last_error: null })
          .where('id', 'in', ids)
          .execute();
        deps.onRunEnded?.(result.status);
        handled += rows.length;
      } catch (error) {
        const reason = isAppError(error)
          ? { code: error.code, message: error.message }
          : { code: 'internal', message: error instanceof Error ? error.message : String(error) };
        const attempts = Math.max(...rows.map((r) => r.attempts)) + 1;
        const giveUp = attempts >= maxAttempts;
        const delaySeconds = Math.min(300, 2 ** attempts);
        logger.warn({ bindingId, events: rows.length, attempts, code: reason.code, giveUp }, 'events: batch failed');
        await db
          .updateTable('event_inbox')
          .set({
            status: giveUp ? 'failed' : 'pending',
            attempts: sql<number>`attempts + 1`,
            last_error: json(reason),
            next_attempt_at: giveUp ? null : sql<Date>`now() + make_interval(secs => ${delaySeconds})`,
            claimed_by: null,
            claimed_until: null,
          })
          .where('id', 'in', ids)
          .execute();
        await scheduleBackedOff(bindingId);
        return handled;
      }
    }
  }

  return {
    drain,
    async start({ releaseLeases }) {
      if (releaseLeases) {
        await db
          .updateTable('event_inbox')
          .set({ claimed_by: null, claimed_until: null })
          .where('status', '=', 'pending')
          .where('claimed_by', 'is not', null)
          .execute();
      }
      await jobs.work<EventsProcessJob>(
        JOB_QUEUES.events.name,
        async ([job]) => {
          if (!job) return;
          deps.queuedDrains?.starting(job.data.bindingId);
          await drain(job.data.bindingId);
        },
        { localConcurrency: 2, pollingIntervalSeconds: 0.5 },
      );
      const pending = await db.selectFrom('event_inbox').select('binding_id').distinct().where('status', '=', 'pending').execute();
      for (const { binding_id: bindingId } of pending) {
        await jobs.send(JOB_QUEUES.events.name, { bindingId } satisfies EventsProcessJob, { singletonKey: bindingId });
      }
    },
  };
}
