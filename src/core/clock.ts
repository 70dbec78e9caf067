/**
 * Time as a dependency, so tests pin it (STYLE.md §2, §11).
 *
 * @example
 * const clock = systemClock;           // production
 * const fixed = fixedClock(1_700_000_000_000); fixed.advance(7_200_000); // tests
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds of this clock, or rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** A clock that only moves when told to; `sleep` resolves once `advance` passes its deadline. */
export interface ManualClock extends Clock {
  advance(ms: number): void;
  set(now: number): void;
}

export function manualClock(start = Date.UTC(2026, 0, 1)): ManualClock {
  let now = start;
  let waiters: { at: number; resolve: () => void }[] = [];
  const flush = (): void => {
    const due = waiters.filter((w) => w.at <= now);
    waiters = waiters.filter((w) => w.at > now);
    for (const w of due) w.resolve();
  };
  return {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason as Error);
          return;
        }
        const waiter = { at: now + ms, resolve };
        waiters.push(waiter);
        signal?.addEventListener(
          'abort',
          () => {
            waiters = waiters.filter((w) => w !== waiter);
            reject(signal.reason as Error);
          },
          { once: true },
        );
        flush();
      }),
    advance(ms) {
      now += ms;
      flush();
    },
    set(at) {
      now = at;
      flush();
    },
  };
}
