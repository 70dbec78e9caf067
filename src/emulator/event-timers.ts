/**
 * Real timers for event delivery (retries, re-pushes, pings, disconnects), all multiplied by one scale so that a
 * test runs DingTalk's 10 s / 30 s / 60 s schedules in milliseconds (`pushDelayScale: 0.01` → 100 ms / 300 ms /
 * 600 ms). They run on wall time, not the emulator's clock: a manual clock pins timestamps, not delivery.
 *
 * Every timer is tracked, so `close()` leaves nothing behind, and unref'd, so a forgotten emulator does not hold a
 * process open.
 *
 * @example
 * const timers = new EventTimers(0.01);
 * const cancel = timers.after(10_000, retry); // fires after 100 ms
 */
export class EventTimers {
  readonly scale: number;
  readonly #timers = new Set<NodeJS.Timeout>();
  #closed = false;

  constructor(scale: number) {
    this.scale = scale;
  }

  /** Runs `work` after `ms` × scale; returns the cancel function. Does nothing once closed. */
  after(ms: number, work: () => void): () => void {
    if (this.#closed) return () => undefined;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      work();
    }, Math.max(0, Math.round(ms * this.scale)));
    timer.unref();
    this.#timers.add(timer);
    return () => {
      clearTimeout(timer);
      this.#timers.delete(timer);
    };
  }

  /** Runs `work` every `ms` × scale until cancelled. */
  every(ms: number, work: () => void): () => void {
    let cancel = (): void => undefined;
    const tick = (): void => {
      cancel = this.after(ms, tick);
      work();
    };
    cancel = this.after(ms, tick);
    return () => cancel();
  }

  /** Cancels every pending timer (a reset); new ones may still be set. */
  clear(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  close(): void {
    this.#closed = true;
    this.clear();
  }
}
