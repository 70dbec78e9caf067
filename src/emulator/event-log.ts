/**
 * What the emulator emitted and what became of each delivery, for `GET /_emulator/events`: the most recent
 * {@link EVENT_LOG_SIZE} events, each with one delivery per receiver (an app's HTTP subscription, the enterprise
 * registration, an app's Stream connections).
 *
 * Statuses: HTTP `pending` → `delivered`, or `retrying` → … → `failed` (then in the failed list, §7.5); Stream
 * `pending` (no live connection yet) → `sent` → `acked`, or `later` / `retrying` (re-push) → …, and `dropped` when
 * the bounds run out (§9.3). A delivery object is shared with the sender that updates it, so the log is always current.
 */
import { eventJson, type AddressBookEvent } from './event-payload.ts';

export const EVENT_LOG_SIZE = 1000;

export type DeliveryStatus = 'pending' | 'retrying' | 'delivered' | 'failed' | 'sent' | 'acked' | 'later' | 'dropped';

export interface Delivery {
  /** `http:app:<appKey>`, `http:corp` or `stream:<appKey>`. */
  readonly target: string;
  readonly mode: 'http' | 'stream';
  /** The app whose subscription or connection it goes to (for `http:corp`, the app that registered it). */
  readonly appKey: string;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | undefined;
  updatedAt: number;
}

interface Entry {
  event: AddressBookEvent;
  deliveries: Delivery[];
}

export interface EventQuery {
  type?: string | undefined;
  status?: DeliveryStatus | undefined;
  appKey?: string | undefined;
  limit?: number | undefined;
}

export class EventLog {
  #entries: Entry[] = [];
  #emitted = 0;

  add(event: AddressBookEvent): Entry {
    const entry = { event, deliveries: [] };
    this.#entries.push(entry);
    this.#emitted++;
    if (this.#entries.length > EVENT_LOG_SIZE) this.#entries.splice(0, this.#entries.length - EVENT_LOG_SIZE);
    return entry;
  }

  clear(): void {
    this.#entries = [];
    this.#emitted = 0;
  }

  /** Oldest first; filters are ANDed; `limit` keeps the newest. */
  query(query: EventQuery = {}): { emitted: number; events: Record<string, unknown>[] } {
    let entries = this.#entries.filter(
      (entry) =>
        (query.type === undefined || entry.event.type === query.type) &&
        (query.status === undefined || entry.deliveries.some((d) => d.status === query.status)) &&
        (query.appKey === undefined || entry.deliveries.some((d) => d.appKey === query.appKey)),
    );
    if (query.limit !== undefined) entries = entries.slice(-query.limit);
    return {
      emitted: this.#emitted,
      events: entries.map((entry) => ({ ...eventJson(entry.event), deliveries: entry.deliveries.map((d) => ({ ...d })) })),
    };
  }
}

export function newDelivery(target: string, mode: 'http' | 'stream', appKey: string, now: number): Delivery {
  return { target, mode, appKey, status: 'pending', attempts: 0, lastError: undefined, updatedAt: now };
}

/** Moves a delivery to `status`, keeping the last error when none is given. */
export function settleDelivery(delivery: Delivery, status: DeliveryStatus, error: string | undefined, now: number): void {
  delivery.status = status;
  if (error !== undefined) delivery.lastError = error;
  delivery.updatedAt = now;
}
