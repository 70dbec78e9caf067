/**
 * The durable inbox: events are stored and their processing job enqueued in one committed transaction before
 * `store` resolves, so whoever acknowledges DingTalk after it (the HTTP receiver's `success`, the Stream ACK) never
 * acknowledges an event that a crash could lose.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import { json } from '../db/index.ts';
import { JOB_QUEUES, type Jobs } from '../jobs/index.ts';
import type { EventInbox, InboxEvent } from './inbox-event.ts';
import type { QueuedDrains } from './queued-drains.ts';

/** The `events-process` job: drain one binding's pending events. */
export interface EventsProcessJob {
  bindingId: string;
}

export interface EventInboxDeps {
  db: Kysely<Database>;
  jobs: Pick<Jobs, 'send'>;
  /**
   * Only where this process runs every drain (embedded database): lets a store skip the job send while the
   * binding's queued job has not started. Without it every commit sends (collapsed by `stately`), as replicas need.
   */
  queuedDrains?: QueuedDrains;
}

/**
 * A deterministic id for an event that carries none (legacy payloads, §8.2; failed-list items, §7.5): a hash of
 * its type and content, so the same event delivered twice is the same row.
 *
 * @example
 * inboxEventId({ eventType: 'user_add_org', payload: { UserId: ['u1'], TimeStamp: 1 } }); // 'sha256:…'
 */
export function inboxEventId(event: Pick<InboxEvent, 'eventType' | 'payload'>): string {
  return `sha256:${createHash('sha256').update(event.eventType).update('\n').update(canonicalJson(event.payload)).digest('hex')}`;
}

/**
 * Stores arriving at the same time share one transaction (group commit): while one commit is in flight the next
 * requests queue, and the next commit takes them all. An idle inbox commits a lone event at once; a burst (200
 * pushes a second on PGlite's single connection) costs one commit per batch instead of one per event, which is
 * what keeps the callback's answer fast. Every caller still resolves only after the commit that holds its events.
 *
 * @example
 * const inbox = createEventInbox({ db, jobs });
 * const { stored, duplicates } = await inbox.store(bindingId, events); // committed: safe to acknowledge now
 */
export function createEventInbox(deps: EventInboxDeps): EventInbox {
  const { db, jobs, queuedDrains } = deps;
  let queue: PendingStore[] = [];
  let flushing = false;

  async function commit(batch: PendingStore[]): Promise<Set<string>> {
    const rows = batch.flatMap((request) => request.rows);
    const marks = new Map<string, number>();
    const insertedIds = await db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('event_inbox')
        .values(rows)
        .onConflict((oc) => oc.columns(['binding_id', 'event_id']).doNothing())
        .returning('id')
        .execute();
      const ids = new Set(inserted.map((row) => row.id));
      const bindings = new Set(rows.filter((row) => ids.has(row.id)).map((row) => row.binding_id));
      for (const bindingId of bindings) {
        if (queuedDrains) {
          // Read inside the transaction: a drain that starts later claims after this commit and takes these rows.
          marks.set(bindingId, queuedDrains.mark(bindingId));
          if (queuedDrains.isQueued(bindingId)) continue;
        }
        // The singleton key collapses a burst into one queued job per binding (`stately`); one drain takes every
        // pending row of the binding, so a collapsed send loses nothing.
        await jobs.send(JOB_QUEUES.events.name, { bindingId } satisfies EventsProcessJob, {
          transaction: trx,
          singletonKey: bindingId,
          retryLimit: 5,
          retryDelay: 2,
          retryBackoff: true,
        });
      }
      return ids;
    });
    // Committed: a job of each binding now waits (sent here, or the one the send collapsed into).
    for (const [bindingId, mark] of marks) queuedDrains?.queued(bindingId, mark);
    return insertedIds;
  }

  async function flush(): Promise<void> {
    flushing = true;
    try {
      while (queue.length > 0) {
        const batch = queue;
        queue = [];
        try {
          const insertedIds = await commit(batch);
          for (const request of batch) {
            const stored = request.rows.filter((row) => insertedIds.has(row.id)).length;
            request.resolve({ stored, duplicates: request.rows.length - stored });
          }
        } catch (error) {
          for (const request of batch) request.reject(error);
        }
      }
    } finally {
      flushing = false;
    }
  }

  return {
    store(bindingId, events) {
      if (events.length === 0) return Promise.resolve({ stored: 0, duplicates: 0 });
      const rows = events.map((event) => ({
        id: randomUUID(),
        binding_id: bindingId,
        event_id: event.eventId === '' ? inboxEventId(event) : event.eventId,
        event_type: event.eventType,
        corp_id: event.corpId,
        born_at: event.bornAt === null ? null : new Date(event.bornAt),
        payload: json(event.payload),
        source: event.source,
      }));
      return new Promise((resolve, reject) => {
        queue.push({ rows, resolve, reject });
        if (!flushing) void flush();
      });
    },
  };
}

interface PendingStore {
  rows: {
    id: string;
    binding_id: string;
    event_id: string;
    event_type: string;
    corp_id: string;
    born_at: Date | null;
    payload: string;
    source: InboxEvent['source'];
  }[];
  resolve: (result: { stored: number; duplicates: number }) => void;
  reject: (error: unknown) => void;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
