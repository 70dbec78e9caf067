/**
 * Which bindings have an `events-process` job queued that no drain has started since — known only where one
 * process runs every drain (the embedded database admits one process). There the inbox can skip the job send for
 * a binding whose queued job is still waiting: that job's drain claims after the store commits, so it takes the new
 * rows. The send is two thirds of a lone commit on PGlite (measured: 1.8 → 0.6 ms a commit, CPU alike), and every
 * commit holds the single connection the callback's answer waits for.
 */

export interface QueuedDrains {
  /** The processor calls this as a drain job starts, before its first claim. */
  starting(bindingId: string): void;
  /** Taken inside the inbox transaction before it decides; pass it to {@link QueuedDrains.queued} after commit. */
  mark(bindingId: string): number;
  /** After a commit whose transaction sent a job (or saw one queued): the job waits as of `mark`. */
  queued(bindingId: string, mark: number): void;
  /** True when a job is known to wait and no drain has started since: a new row needs no send of its own. */
  isQueued(bindingId: string): boolean;
}

/**
 * @example
 * const drains = createQueuedDrains();
 * // inbox, inside the transaction:   const mark = drains.mark(id); if (!drains.isQueued(id)) await jobs.send(…);
 * // inbox, after the commit:         drains.queued(id, mark);
 * // processor, as a job starts:      drains.starting(id);
 */
export function createQueuedDrains(): QueuedDrains {
  // Drain starts per binding, and the start count as of the last commit that left a job queued: equal means no
  // drain has begun since that job was known to wait.
  const starts = new Map<string, number>();
  const queuedAt = new Map<string, number>();
  return {
    starting(bindingId) {
      starts.set(bindingId, (starts.get(bindingId) ?? 0) + 1);
    },
    mark(bindingId) {
      return starts.get(bindingId) ?? 0;
    },
    queued(bindingId, mark) {
      queuedAt.set(bindingId, mark);
    },
    isQueued(bindingId) {
      return queuedAt.get(bindingId) === (starts.get(bindingId) ?? 0);
    },
  };
}
