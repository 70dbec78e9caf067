import type { Queue } from 'pg-boss';

/** A queue Dingbridge creates at start: its pg-boss name and options, with the reason for its policy. */
export type QueueSpec = Queue;

/**
 * The queues of DESIGN.md's `jobs/` row. Created idempotently by `jobs.start()`; the areas that own the work
 * (sync, events, outbound) register their handlers with `jobs.work(JOB_QUEUES.fullSync.name, …)` and may tune the
 * options here. pg-boss applies a queue's options when it is first created; later changes need `updateQueue`.
 */
export const JOB_QUEUES = {
  /**
   * One full sync per binding at a time, however many replicas: send with `singletonKey: bindingId`. `stately`
   * admits one queued and one active job per key, so a request during a running sync queues exactly one
   * follow-up (which will see the changes the running one may have missed) and further requests collapse into it.
   */
  fullSync: { name: 'sync-full', policy: 'stately' },
  /** Scheduled reconciliation: a full sync by another name, with the same one-per-binding rule. */
  reconcile: { name: 'sync-reconcile', policy: 'stately' },
  /**
   * Stored callback and Stream events to process, sent with `singletonKey: bindingId`. `stately` keeps one queued
   * and one active job per binding, so a burst of events coalesces into one follow-up job (a send collapsed by the
   * policy returns null, which is fine: the queued job drains every pending row of the binding when it runs).
   * A job left `active` by a dead process would hold the binding's active slot until it expires, so workers send a
   * heartbeat and pg-boss's supervisor fails a silent job after 60 s (a batch's transaction is far shorter).
   */
  events: { name: 'events-process', policy: 'stately', heartbeatSeconds: 60 },
  /**
   * Local changes to push to DingTalk, sent with `singletonKey: bindingId`. `stately` keeps one active drain per
   * binding (deliveries of one binding stay in the outbox's dependency order) and one queued follow-up into which
   * further sends collapse; a heartbeat lets pg-boss fail the job of a dead process after 60 s so the binding's
   * slot frees (the rows' own leases bring them back).
   */
  outbound: { name: 'outbound-push', policy: 'stately', heartbeatSeconds: 60 },
  /** The hourly purge of expired rows (`src/housekeeping/`); `singleton`: never two purges at once. */
  housekeeping: { name: 'housekeeping', policy: 'singleton' },
} as const satisfies Record<string, QueueSpec>;
