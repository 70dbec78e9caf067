/**
 * Per-API rate limiter: keeps each DingTalk API just under its per-app limit (§6.3: 20 calls/s per app per API,
 * error 90018 / 403 `QpsLimitForAppkeyAndApi` when exceeded).
 *
 * A sliding window, not a token bucket: a bucket of N lets N calls through at the end of one second and N more at
 * the start of the next, 2N inside a single 1000 ms window, which a strict sliding-window counter (DingTalk's, and
 * the emulator's) rejects. Here a call may start only when fewer than N calls started in the last
 * `windowMs + marginMs`; the margin absorbs jitter between the moment a slot is granted and the moment the request
 * reaches the server. Waiters are served first-come first-served, one timer per API however many wait.
 */
import type { Clock } from '../core/index.ts';

export interface RateLimitOptions {
  /** Calls per window for every API without an override. Default 20 (§6.3). 0 turns limiting off. */
  qps?: number;
  /** Per-API limits by API name (`topapi/v2/user/list`); 0 turns limiting off for that API. */
  perApi?: Record<string, number>;
  /** The window DingTalk counts in. Default 1000 ms. */
  windowMs?: number;
  /** Safety margin added to the window. Default 40 ms. */
  marginMs?: number;
}

export interface RateLimiter {
  /**
   * Resolves when a call to `api` may start (and counts it as started); rejects with the signal's reason when
   * aborted while waiting, without using a slot.
   */
  acquire(api: string, signal?: AbortSignal): Promise<void>;
  /** The limit that applies to `api` (0 = unlimited). */
  limitOf(api: string): number;
}

interface Waiter {
  /** Starts the call: stops listening for abort and resolves `acquire`. */
  grant: () => void;
  fail: (reason: Error) => void;
}

interface ApiWindow {
  /** Start times of the calls inside the current window, oldest first. */
  starts: number[];
  waiters: Waiter[];
  pumping: boolean;
}

export const defaultRateLimit = { qps: 20, windowMs: 1000, marginMs: 40 } as const;

/**
 * @example
 * const limiter = createRateLimiter({ clock: systemClock, qps: 20, perApi: { 'topapi/v2/user/list': 40 } });
 * await limiter.acquire('topapi/v2/user/list', signal); // then send the request
 */
export function createRateLimiter(options: RateLimitOptions & { clock: Clock }): RateLimiter {
  const { clock } = options;
  const span = (options.windowMs ?? defaultRateLimit.windowMs) + (options.marginMs ?? defaultRateLimit.marginMs);
  const windows = new Map<string, ApiWindow>();

  const limitOf = (api: string): number => options.perApi?.[api] ?? options.qps ?? defaultRateLimit.qps;

  const windowOf = (api: string): ApiWindow => {
    let window = windows.get(api);
    if (window === undefined) {
      window = { starts: [], waiters: [], pumping: false };
      windows.set(api, window);
    }
    return window;
  };

  /** Drops starts that left the window: a start at `s` counts while `now < s + span`. */
  const prune = (window: ApiWindow, now: number): void => {
    let expired = 0;
    while (expired < window.starts.length && (window.starts[expired] ?? 0) + span <= now) expired++;
    if (expired > 0) window.starts.splice(0, expired);
  };

  /** Serves waiters in order; sleeps until the oldest counted start leaves the window when it is full. */
  const pump = async (window: ApiWindow, limit: number): Promise<void> => {
    if (window.pumping) return;
    window.pumping = true;
    try {
      while (window.waiters.length > 0) {
        const now = clock.now();
        prune(window, now);
        if (window.starts.length < limit) {
          window.starts.push(now);
          window.waiters.shift()?.grant();
          continue;
        }
        // Full: the start at index (length − limit) is the one whose expiry frees a slot.
        const freeAt = (window.starts[window.starts.length - limit] ?? now) + span;
        await clock.sleep(Math.max(1, freeAt - now));
      }
    } finally {
      window.pumping = false;
    }
  };

  return {
    limitOf,
    acquire(api, signal) {
      const limit = limitOf(api);
      if (limit <= 0) return Promise.resolve();
      if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
      const window = windowOf(api);
      const now = clock.now();
      prune(window, now);
      if (window.waiters.length === 0 && window.starts.length < limit) {
        window.starts.push(now);
        return Promise.resolve();
      }
      return new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          window.waiters = window.waiters.filter((w) => w !== waiter);
          reject(signal?.reason as Error);
        };
        const waiter: Waiter = {
          grant: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
          fail: (reason) => {
            signal?.removeEventListener('abort', onAbort);
            reject(reason);
          },
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        window.waiters.push(waiter);
        // clock.sleep without a signal does not reject; should it ever, fail the waiters rather than hang them.
        pump(window, limit).catch((error: unknown) => {
          const reason = error instanceof Error ? error : new Error(String(error));
          for (const w of window.waiters.splice(0)) w.fail(reason);
        });
      });
    },
  };
}
