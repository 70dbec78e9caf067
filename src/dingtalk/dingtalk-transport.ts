/**
 * Runs one DingTalk call end to end: app token, rate limit, HTTP attempt with a timeout, reading the answer,
 * the retry table, and one token refresh when DingTalk rejects the token. Every HTTP attempt is counted.
 */
import type { z } from 'zod';
import type { Clock } from '../core/index.ts';
import type { CallInfo, CallOutcome, CallStats } from './call-stats.ts';
import { DingTalkError, networkError, timeoutError } from './dingtalk-errors.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { readResponse, type ApiFamily } from './response-reader.ts';
import { decideRetry, failureFacts, type RetryOptions } from './retry-policy.ts';
import { oapiOkSchema, oapiResult } from './schemas.ts';
import { createTokenCache, type IssuedToken } from './token-cache.ts';

export interface BaseUrls {
  oapi: string;
  api: string;
  login: string;
}

/** Whose token goes on the request: the app's (cached, refreshed), a user's (login, §10.1), or none. */
export type CallAuth = 'app' | 'none' | { userToken: string };

export interface CallSpec<T> {
  family: ApiFamily;
  /** The request path without leading slash and query; also the rate-limit and stats key. */
  api: string;
  method?: 'GET' | 'POST';
  query?: Record<string, string>;
  /** Sent as JSON with typed values (§2, encoding 1). */
  body?: Record<string, unknown>;
  auth: CallAuth;
  /** Parses the whole body (envelope included). */
  schema: z.ZodType<T>;
  /** False for creates and single-use codes: only failures that certainly were not processed are retried. */
  idempotent: boolean;
  signal?: AbortSignal | undefined;
}

interface RawAnswer {
  status: number;
  text: string;
}

export interface Transport {
  call: <T>(spec: CallSpec<T>) => Promise<T>;
}

export interface TransportOptions {
  fetch: typeof fetch;
  clock: Clock;
  baseUrls: BaseUrls;
  limiter: RateLimiter;
  retry: RetryOptions;
  stats: CallStats;
  /** Per HTTP attempt; waiting for a rate-limit slot or a token does not count. */
  timeoutMs: number;
  tokenRefreshMarginMs: number;
  /** Gets an app token with the given (unauthenticated) `call`. */
  issueAppToken: (call: Transport['call']) => Promise<IssuedToken>;
  onCall?: ((info: CallInfo) => void) | undefined;
}

/**
 * @example
 * const transport = createTransport({ fetch, clock, baseUrls, limiter, retry, stats, timeoutMs: 10_000, … });
 * const body = await transport.call({ family: 'oapi', api: 'topapi/user/count', auth: 'app', idempotent: true,
 *   body: { only_active: false }, schema: oapiResult(userCountSchema) });
 */
export function createTransport(options: TransportOptions): Transport {
  const { clock } = options;

  const call = async <T>(spec: CallSpec<T>): Promise<T> => {
    let refreshedToken = false;
    for (let attempt = 1; ; attempt++) {
      const token = await tokenFor(spec);
      try {
        return await attemptOnce(spec, token, attempt);
      } catch (error) {
        if (!(error instanceof DingTalkError)) throw error;
        // §1.4/§6.2: a rejected app token (expired early, revoked, server restarted) is dropped and fetched anew,
        // once per call; a second rejection is real.
        if (spec.auth === 'app' && error.code === 'dingtalk.invalid_token' && !refreshedToken && token !== undefined) {
          refreshedToken = true;
          tokens.invalidate(token);
          continue;
        }
        const decision = decideRetry(failureFacts(error), attempt, spec, options.retry);
        if (!decision.retry) throw error;
        await clock.sleep(decision.delayMs, spec.signal);
      }
    }
  };

  const tokens = createTokenCache({
    clock,
    refreshMarginMs: options.tokenRefreshMarginMs,
    issue: () => options.issueAppToken(call),
  });

  const tokenFor = async (spec: CallSpec<unknown>): Promise<string | undefined> => {
    if (spec.auth === 'none') return undefined;
    if (spec.auth === 'app') return tokens.get(spec.signal);
    return spec.auth.userToken;
  };

  const attemptOnce = async <T>(spec: CallSpec<T>, token: string | undefined, attempt: number): Promise<T> => {
    const release = await options.limiter.acquire(spec.api, spec.signal);
    const startedAt = clock.now();
    let outcome: CallOutcome = 'ok';
    try {
      const { status, text } = await send(spec, token);
      release(); // the answer is in: from here the slot ages out of DingTalk's window
      return readResponse(spec.family, spec.api, status, text, spec.schema);
    } catch (error) {
      outcome = outcomeOf(error);
      throw error;
    } finally {
      release();
      report({ api: spec.api, attempt, outcome, durationMs: clock.now() - startedAt });
    }
  };

  const send = async (spec: CallSpec<unknown>, token: string | undefined): Promise<RawAnswer> => {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = spec.signal === undefined ? timeout : AbortSignal.any([spec.signal, timeout]);
    const { url, init } = buildRequest(options.baseUrls, spec, token);
    try {
      const response = await options.fetch(url, { ...init, signal });
      return { status: response.status, text: await response.text() };
    } catch (error) {
      if (spec.signal?.aborted === true) throw spec.signal.reason;
      if (timeout.aborted) throw timeoutError(spec.api, options.timeoutMs);
      throw networkError(spec.api, error);
    }
  };

  const report = (info: CallInfo): void => {
    options.stats.record(info);
    try {
      options.onCall?.(info);
    } catch {
      // A failing metrics listener must never break a DingTalk call (STYLE.md §10).
    }
  };

  return { call };
}

function outcomeOf(error: unknown): CallOutcome {
  if (!(error instanceof DingTalkError)) return 'aborted';
  return error.code === 'dingtalk.rate_limited' ? 'throttled' : error.code;
}

/** Token placement is strict (§1.1): `access_token` query on oapi, `x-acs-dingtalk-access-token` header on api. */
function buildRequest(
  baseUrls: BaseUrls,
  spec: CallSpec<unknown>,
  token: string | undefined,
): { url: string; init: RequestInit } {
  const query = new URLSearchParams();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token !== undefined) {
    if (spec.family === 'oapi') query.set('access_token', token);
    else headers['x-acs-dingtalk-access-token'] = token;
  }
  for (const [key, value] of Object.entries(spec.query ?? {})) query.set(key, value);
  const search = query.size === 0 ? '' : `?${query.toString()}`;
  const init: RequestInit = { method: spec.method ?? 'POST', headers };
  if (spec.body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(spec.body);
  }
  return { url: `${baseUrls[spec.family]}/${spec.api}${search}`, init };
}

/** Per-call options every reader and writer takes. */
export interface CallOptions {
  /** Cancels waiting (rate limit, token, backoff) and the request in flight. */
  signal?: AbortSignal;
}

/**
 * POSTs an oapi call with the app token and returns its `result` (§2 envelope).
 *
 * @example
 * const { count } = await postOapi(transport.call, 'topapi/user/count', { only_active: false }, userCountSchema, {});
 */
export async function postOapi<T>(
  call: Transport['call'],
  api: string,
  body: Record<string, unknown>,
  result: z.ZodType<T>,
  options: CallOptions & { idempotent?: boolean },
): Promise<T> {
  const envelope = await call({
    family: 'oapi',
    api,
    body,
    auth: 'app',
    schema: oapiResult(result),
    idempotent: options.idempotent ?? true,
    signal: options.signal,
  });
  return envelope.result;
}

/** POSTs an oapi write whose answer is only `{errcode: 0, errmsg, request_id}` (§5.2, §5.3, §5.5, §5.6). */
export async function postOapiWrite(
  call: Transport['call'],
  api: string,
  body: Record<string, unknown>,
  options: CallOptions,
): Promise<void> {
  const { signal } = options;
  await call({ family: 'oapi', api, body, auth: 'app', schema: oapiOkSchema, idempotent: true, signal });
}
