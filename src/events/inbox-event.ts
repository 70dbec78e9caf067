/**
 * What every event source (HTTP push receiver, Stream listener, failed-event recovery) hands to the inbox: one
 * address-book event as DingTalk described it, before anything is fetched or decided.
 */
import type { JsonValue } from '../db/index.ts';

export type { JsonValue };

/** Where an event came from: HTTP push (§7), Stream mode (§9), or the failed-event list (§7.5). */
export const INBOX_EVENT_SOURCES = ['http', 'stream', 'failed_list'] as const;
export type InboxEventSource = (typeof INBOX_EVENT_SOURCES)[number];

/** One event for {@link EventInbox.store}. */
export interface InboxEvent {
  /**
   * DingTalk's `eventId` (§8.2; always present in Stream frames). For a legacy payload without one, `''` asks the
   * inbox to derive a deterministic id from the content (`inboxEventId`), so a replay of it is still a duplicate.
   */
  eventId: string;
  /** `user_add_org`, `org_dept_remove`, … (§8.1). */
  eventType: string;
  corpId: string;
  /** When DingTalk says the event happened (epoch ms), when it says so. */
  bornAt: number | null;
  /** The decrypted event as received: a hint, re-read from DingTalk before anything is applied. */
  payload: JsonValue;
  source: InboxEventSource;
}

/** The durable inbox of events (`event_inbox`), deduplicated by (binding, eventId). */
export interface EventInbox {
  /**
   * Stores the events and enqueues their processing in one committed transaction; resolves only after the commit,
   * so a caller may acknowledge DingTalk then. Events already stored count as duplicates and change nothing.
   */
  store(bindingId: string, events: readonly InboxEvent[]): Promise<{ stored: number; duplicates: number }>;
}
