/**
 * The failed-events list of `call_back/get_call_back_failed_result` (§7.5): events whose HTTP push failed three
 * times (first try, +10 s, +30 s) wait here for the app that subscribed (by its own subscription or by
 * `register_call_back`). A call returns at most 200 of them with `has_more`, and **each call clears the batch
 * returned by the previous call** of the same app, so a client must store a batch before asking again.
 *
 * DingTalk shows a failed event "within 3–5 minutes"; the emulator lists it at once (a test need not wait).
 *
 * @example
 * failed.add(appKey, event);
 * failed.take(appKey); // { has_more: false, failed_list: [{ call_back_tag: 'user_add_org', event_time, user_add_org: {userid, corpid} }] }
 * failed.take(appKey); // the first batch is gone now
 */
import { failedListEntry, type AddressBookEvent } from './event-payload.ts';

/** §7.5: at most 200 per call. */
export const FAILED_BATCH = 200;
/** Oldest entries are dropped beyond this many per app (memory bound of a long-running emulator). */
export const FAILED_LIMIT = 10_000;

interface FailedItem {
  entry: Record<string, unknown>;
}

export class CallbackFailedList {
  readonly #items = new Map<string, FailedItem[]>();
  readonly #lastBatch = new Map<string, Set<FailedItem>>();

  add(appKey: string, event: AddressBookEvent): void {
    const items = this.#items.get(appKey) ?? [];
    items.push({ entry: failedListEntry(event) });
    if (items.length > FAILED_LIMIT) items.splice(0, items.length - FAILED_LIMIT);
    this.#items.set(appKey, items);
  }

  /** Clears the previous batch of `appKey`, then returns (and remembers) the next one. */
  take(appKey: string): { has_more: boolean; failed_list: Record<string, unknown>[] } {
    const previous = this.#lastBatch.get(appKey);
    let items = this.#items.get(appKey) ?? [];
    if (previous) items = items.filter((item) => !previous.has(item));
    this.#items.set(appKey, items);
    const batch = items.slice(0, FAILED_BATCH);
    this.#lastBatch.set(appKey, new Set(batch));
    return { has_more: items.length > batch.length, failed_list: batch.map((item) => item.entry) };
  }

  /** How many wait for `appKey` (control API). */
  count(appKey: string): number {
    return this.#items.get(appKey)?.length ?? 0;
  }

  clear(): void {
    this.#items.clear();
    this.#lastBatch.clear();
  }
}
