/**
 * Per-API rate limiter: keeps each DingTalk API just under its per-app limit (§6.3: 20 calls/s per app per API,
 * error 90018 / 403 `QpsLimitForAppkeyAndApi` when exceeded).
 *
 * A sliding window, not a token bucket: a bucket of N lets N calls through at the end of one second and N more at
 * the start of the next, 2N inside a single 1000 ms window, which a strict sliding-window counter (DingTalk's, and
 * the emulator's) rejects.
 *
 * The window is anchored where it is safe, not where it is convenient: the server counts a call when it arrives,
 * some time between our sending it and our receiving the answer, and a first burst on cold connections arrives
 * later than the burst a second after it. So a call holds its slot while in flight and for `windowMs + marginMs`
 * after its answer came back (or it failed). Then however the latency varies, two calls N apart reach the server
 * at least `windowMs` apart; the cost is one round trip per window, a few percent below N per second. The margin
 * covers clock granularity. Waiters are served first come, first served; one timer per API however many wait.
 */
import type { Clock } from '../core/index.ts';

export interface RateLimitOptions {
  /** Calls per window for every API without an override. Default 20 (§6.3). 0 turns limiting off. */
  qps?: number;
  /** Per-API limits by API name (`topapi/v2/user/list`); 0 turns limiting off for that API. */
  perApi?: Record<string, number>;
  /** The window DingTalk counts in. Default 1000 ms. */
  windowMs?: number;
  /** Safety margin added to the window. Default 30 ms. */
  marginMs?: number;
}

/** Call when the request has finished, whatever the outcome: its slot then ages out of the window. */
export type ReleaseSlot = () => void;

export interface RateLimiter {
  /**
   * Resolves when a call to `api` may start, with the function to call once it has finished; rejects with the
   * signal's reason when aborted while waiting, without taking a slot.
   */
  acquire(api: string, signal?: AbortSignal): Promise<ReleaseSlot>;
  /** The limit that applies to `api` (0 = unlimited). */
  limitOf(api: string): number;
}

interface Waiter {
  /** Starts the call: stops listening for abort and resolves `acquire`. */
  grant: () => void;
}

interface ApiWindow {
  limit: number;
  /** Calls granted and not yet released. */
  inFlight: number;
  /** Release times of finished calls still inside the window, oldest first. */
  finished: number[];
  waiters: Waiter[];
  /** Whether a timer is pending for this API (at most one). */
  sleeping: boolean;
}

export const defaultRateLimit = { qps: 20, windowMs: 1000, marginMs: 30 } as const;

const noop: ReleaseSlot = () => undefined;

/**
 * @example
 * const limiter = createRateLimiter({ clock: systemClock, qps: 20, perApi: { 'topapi/v2/user/list': 40 } });
 * const release = await limiter.acquire('topapi/v2/user/list', signal);
 * try { await send(); } finally { release(); }
 */
export function createRateLimiter(options: RateLimitOptions & { clock: Clock }): RateLimiter {
  const { clock } = options;
  const span = (options.windowMs ?? defaultRateLimit.windowMs) + (options.marginMs ?? defaultRateLimit.marginMs);
  const windows = new Map<string, ApiWindow>();

  const limitOf = (api: string): number => options.perApi?.[api] ?? options.qps ?? defaultRateLimit.qps;

  const windowOf = (api: string): ApiWindow => {
    let window = windows.get(api);
    if (window === undefined) {
      window = { limit: limitOf(api), inFlight: 0, finished: [], waiters: [], sleeping: false };
      windows.set(api, window);
    }
    return window;
  };

  /** A slot for one call; releasing twice counts once. */
  const take = (window: ApiWindow): ReleaseSlot => {
    window.inFlight++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      window.inFlight--;
      window.finished.push(clock.now());
      drain(window);
    };
  };

  const occupied = (window: ApiWindow, now: number): number => {
    let expired = 0;
    while (expired < window.finished.length && (window.finished[expired] ?? 0) + span <= now) expired++;
    if (expired > 0) window.finished.splice(0, expired);
    return window.inFlight + window.finished.length;
  };

  /** Grants what the window allows now; when it is full, sleeps until the slot that frees first ages out. */
  const drain = (window: ApiWindow): void => {
    const now = clock.now();
    while (window.waiters.length > 0 && occupied(window, now) < window.limit) window.waiters.shift()?.grant();
    if (window.waiters.length === 0 || window.sleeping) return;
    // Slots free in release order; with more calls still in flight than slots needed, a release will drain again.
    const mustAgeOut = occupied(window, now) - window.limit + 1;
    const freesAt = window.finished[mustAgeOut - 1];
    if (freesAt === undefined) return;
    window.sleeping = true;
    void clock.sleep(Math.max(1, freesAt + span - now)).then(() => {
      window.sleeping = false;
      drain(window);
    });
  };

  return {
    limitOf,
    acquire(api, signal) {
      const window = windowOf(api);
      if (window.limit <= 0) return Promise.resolve(noop);
      if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
      if (window.waiters.length === 0 && occupied(window, clock.now()) < window.limit) {
        return Promise.resolve(take(window));
      }
      return new Promise<ReleaseSlot>((resolve, reject) => {
        const onAbort = (): void => {
          window.waiters = window.waiters.filter((w) => w !== waiter);
          reject(signal?.reason as Error);
        };
        const waiter: Waiter = {
          grant: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve(take(window));
          },
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        window.waiters.push(waiter);
        drain(window);
      });
    },
  };
}
