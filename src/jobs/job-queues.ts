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
  /** Stored callback and Stream events to process; the inbox deduplicates, so any number may run. */
  events: { name: 'events-process', policy: 'standard' },
  /** Local changes to push to DingTalk; ordering within a binding is the outbox's business. */
  outbound: { name: 'outbound-push', policy: 'standard' },
} as const satisfies Record<string, QueueSpec>;
