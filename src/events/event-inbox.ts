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

/** The `events-process` job: drain one binding's pending events. */
export interface EventsProcessJob {
  bindingId: string;
}

export interface EventInboxDeps {
  db: Kysely<Database>;
  jobs: Pick<Jobs, 'send'>;
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
 * @example
 * const inbox = createEventInbox({ db, jobs });
 * const { stored, duplicates } = await inbox.store(bindingId, events); // committed: safe to acknowledge now
 */
export function createEventInbox(deps: EventInboxDeps): EventInbox {
  const { db, jobs } = deps;
  return {
    async store(bindingId, events) {
      if (events.length === 0) return { stored: 0, duplicates: 0 };
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
      return db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto('event_inbox')
          .values(rows)
          .onConflict((oc) => oc.columns(['binding_id', 'event_id']).doNothing())
          .returning('id')
          .execute();
        if (inserted.length > 0) {
          // The singleton key lets a burst collapse into one job where the queue's policy allows; either way one
          // drain takes every pending row of the binding, so later jobs of a burst find nothing to do.
          await jobs.send(JOB_QUEUES.events.name, { bindingId } satisfies EventsProcessJob, {
            transaction: trx,
            singletonKey: bindingId,
            retryLimit: 5,
            retryDelay: 2,
            retryBackoff: true,
          });
        }
        return { stored: inserted.length, duplicates: rows.length - inserted.length };
      });
    },
  };
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
