/**
 * The app access token, cached while valid and refreshed by one request however many calls wait (single-flight).
 *
 * §1.4: a token lives 7200 s, asking again while it is valid returns the same token with its life extended, the
 * guide suggests refreshing about 10 minutes early, and calling the token endpoint often hits rate limits. So a
 * token is used until `refreshMarginMs` before it expires; then the next caller starts one refresh and every other
 * caller awaits that same promise.
 */
import type { Clock } from '../core/index.ts';

export interface IssuedToken {
  token: string;
  /** Lifetime in seconds as DingTalk states it (`expireIn` / `expires_in`). */
  expiresInSeconds: number;
}

export interface TokenCache {
  /** A valid token: the cached one, or the result of the one refresh in flight. Honours `signal` while waiting. */
  get(signal?: AbortSignal): Promise<string>;
  /**
   * Forgets `token` after DingTalk rejected it, so the next `get` refreshes. A token other than the cached one is
   * ignored: when fifty calls fail with the old token at once, only the first invalidation counts.
   */
  invalidate(token: string): void;
}

interface Cached {
  token: string;
  refreshAt: number;
}

/**
 * @example
 * const tokens = createTokenCache({ clock, refreshMarginMs: 600_000, issue: (signal) => fetchAppToken(signal) });
 * const token = await tokens.get(signal);
 */
export function createTokenCache(options: {
  clock: Clock;
  /** How long before expiry to refresh. §1.4 suggests 10 minutes. */
  refreshMarginMs: number;
  /** Asks DingTalk for a token; it must not be cancelled by one waiter, so it gets no caller signal. */
  issue: () => Promise<IssuedToken>;
}): TokenCache {
  const { clock } = options;
  let cached: Cached | undefined;
  let inFlight: Promise<string> | undefined;

  const refresh = (): Promise<string> => {
    const requestedAt = clock.now();
    return options.issue().then(({ token, expiresInSeconds }) => {
      const lifetimeMs = expiresInSeconds * 1000;
      // Never refresh earlier than half-way: a short-lived token (an emulator's) would otherwise be refreshed on
      // every call.
      const margin = Math.min(options.refreshMarginMs, lifetimeMs / 2);
      cached = { token, refreshAt: requestedAt + lifetimeMs - margin };
      return token;
    });
  };

  return {
    get(signal) {
      if (cached !== undefined && clock.now() < cached.refreshAt) return Promise.resolve(cached.token);
      inFlight ??= refresh().finally(() => {
        inFlight = undefined;
      });
      return untilAborted(inFlight, signal);
    },
    invalidate(token) {
      if (cached?.token === token) cached = undefined;
    },
  };
}

/** `promise`, or the signal's reason as soon as it aborts (the promise itself runs on). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.finally(() => signal.removeEventListener('abort', onAbort)).then(resolve, reject);
  });
}
