/**
 * HTTP push of address-book events (§7): each subscription has its own queue, a few pushes in flight at once
 * (`pushConcurrency`, default 4), and DingTalk's schedule for a push that fails — no reply within the deadline, not
 * HTTP 200, or a reply that is not the signed, encrypted `success` with the right owner key (§7.4): retry after 10 s,
 * then after another 30 s, then the event goes to the failed list (§7.5). Delays are scaled by `pushDelayScale`.
 *
 * Order: DingTalk does not promise it, and neither does the emulator. Events are started in the order they happen,
 * but several are in flight at once and a retried one arrives after later ones; receivers must de-duplicate by
 * `eventId` and re-read the current state (§8.2).
 *
 * @example
 * const pusher = new HttpPusher({ clock, timers, settings, failed });
 * await pusher.checkUrl(subscription); // { ok: true } once the receiver answers check_url (§7.5)
 * pusher.push(subscription, event, delivery);
 */
import type { Clock } from '../core/index.ts';
import type { CallbackFailedList } from './callback-failed-list.ts';
import type { HttpSink, HttpSubscription } from './event-hub.ts';
import { settleDelivery, type Delivery } from './event-log.ts';
import { httpPlaintext, type AddressBookEvent } from './event-payload.ts';
import type { EventSettings } from './event-settings.ts';
import type { EventTimers } from './event-timers.ts';
import { sendPush, type PushOutcome } from './http-push-request.ts';

interface Job {
  event: AddressBookEvent;
  delivery: Delivery;
}

interface Queue {
  subscription: HttpSubscription;
  waiting: Job[];
  active: number;
  /** Abort controllers of pushes in flight, and cancel functions of retries waiting with their job. */
  inFlight: Set<AbortController>;
  retries: Map<() => void, Job>;
  cancelled: boolean;
}

export class HttpPusher implements HttpSink {
  readonly #clock: Clock;
  readonly #timers: EventTimers;
  readonly #settings: EventSettings;
  readonly #failed: CallbackFailedList;
  readonly #queues = new Map<string, Queue>();
  readonly #checks = new Set<AbortController>();
  #closed = false;

  constructor(deps: { clock: Clock; timers: EventTimers; settings: EventSettings; failed: CallbackFailedList }) {
    this.#clock = deps.clock;
    this.#timers = deps.timers;
    this.#settings = deps.settings;
    this.#failed = deps.failed;
  }

  /** §7.5: the `{"EventType":"check_url"}` push, once, without retries; the outcome says why it failed. */
  async checkUrl(subscription: HttpSubscription): Promise<PushOutcome> {
    if (this.#closed) return { ok: false, kind: 'transport', reason: 'the emulator is closing' };
    const controller = new AbortController();
    this.#checks.add(controller);
    try {
      return await sendPush(subscription, JSON.stringify({ EventType: 'check_url' }), this.#sendOptions(controller));
    } finally {
      this.#checks.delete(controller);
    }
  }

  push(subscription: HttpSubscription, event: AddressBookEvent, delivery: Delivery): void {
    if (this.#closed) return;
    let queue = this.#queues.get(subscription.id);
    if (!queue || queue.subscription !== subscription) {
      queue = { subscription, waiting: [], active: 0, inFlight: new Set(), retries: new Map(), cancelled: false };
      this.#queues.set(subscription.id, queue);
    }
    queue.waiting.push({ event, delivery });
    this.#pump(queue);
  }

  cancel(subscriptionId?: string): void {
    for (const [id, queue] of this.#queues) {
      if (subscriptionId !== undefined && id !== subscriptionId) continue;
      queue.cancelled = true;
      for (const controller of queue.inFlight) controller.abort();
      for (const [cancelRetry, job] of queue.retries) {
        cancelRetry();
        settleDelivery(job.delivery, 'dropped', DROPPED, this.#clock.now());
      }
      for (const job of queue.waiting) settleDelivery(job.delivery, 'dropped', DROPPED, this.#clock.now());
      queue.waiting = [];
      this.#queues.delete(id);
    }
  }

  /** Stops every push and retry; nothing is sent afterwards. */
  close(): void {
    this.#closed = true;
    this.cancel();
    for (const controller of this.#checks) controller.abort();
  }

  #sendOptions(controller: AbortController): { now: number; timeoutMs: number; signal: AbortSignal } {
    return { now: this.#clock.now(), timeoutMs: this.#settings.pushTimeoutMs, signal: controller.signal };
  }

  #pump(queue: Queue): void {
    while (!queue.cancelled && queue.active < this.#settings.pushConcurrency && queue.waiting.length > 0) {
      const job = queue.waiting.shift() as Job;
      queue.active++;
      void this.#attempt(queue, job).finally(() => {
        queue.active--;
        this.#pump(queue);
      });
    }
  }

  async #attempt(queue: Queue, job: Job): Promise<void> {
    const { subscription } = queue;
    const controller = new AbortController();
    queue.inFlight.add(controller);
    job.delivery.attempts++;
    let outcome: PushOutcome;
    try {
      outcome = await sendPush(subscription, JSON.stringify(httpPlaintext(job.event, subscription.format)), this.#sendOptions(controller));
    } finally {
      queue.inFlight.delete(controller);
    }
    const now = this.#clock.now();
    if (queue.cancelled) {
      settleDelivery(job.delivery, 'dropped', DROPPED, now);
      return;
    }
    if (outcome.ok) {
      settleDelivery(job.delivery, 'delivered', undefined, now);
      return;
    }
    // §7.5: retry 1 after 10 s, retry 2 after another 30 s, then the failed list.
    const delay = this.#settings.retryDelaysMs[job.delivery.attempts - 1];
    if (delay === undefined) {
      settleDelivery(job.delivery, 'failed', outcome.reason, now);
      this.#failed.add(subscription.appKey, job.event);
      return;
    }
    settleDelivery(job.delivery, 'retrying', outcome.reason, now);
    const cancelRetry = this.#timers.after(delay, () => {
      queue.retries.delete(cancelRetry);
      if (queue.cancelled) return;
      queue.waiting.push(job);
      this.#pump(queue);
    });
    queue.retries.set(cancelRetry, job);
  }
}

const DROPPED = 'the subscription was changed or removed, or the emulator closed';

