/**
 * The one retry table for DingTalk calls (STYLE.md §9): which failures are worth another attempt, and how long to
 * wait first. Everything the table does not name fails at once.
 *
 * Three kinds of retryable failure:
 * - `throttle`: DingTalk refused the call for rate (§6.3). It was certainly not processed, so even a create is
 *   retried. The doc says "sleep 1 s and retry", so the first wait is at least `throttleDelayMs` (1 s).
 * - `not_sent`: the connection was never made (refused, DNS). Certainly not processed either.
 * - `transient`: `-1` system busy, HTTP 5xx, a reset connection or a timeout. The call may or may not have been
 *   processed. Reads, updates and deletes are retried; creates are NOT (`idempotent: false`): a create retried
 *   after a timeout whose first attempt did land would create a duplicate user or department (or fail with
 *   60102/60104 "already exists"), which is worse than surfacing the failure to the outbox, which retries later
 *   after re-reading DingTalk. Single-use login codes are sent non-idempotent for the same reason.
 */
import { effectiveErrcode, type DingTalkError } from './dingtalk-errors.ts';

export type RetryKind = 'throttle' | 'not_sent' | 'transient';

/** The wire facts a rule looks at, taken from a {@link DingTalkError}. */
export interface FailureFacts {
  code: DingTalkError['code'];
  /** oapi errcode, with an `errcode 88` wrapper read through its numeric `sub_code` (§2). */
  errcode?: number | undefined;
  /** api.dingtalk.com `code`. */
  apiCode?: string | undefined;
  httpStatus?: number | undefined;
  networkError?: string | undefined;
}

interface RetryRule {
  kind: RetryKind;
  /** Attempts after the first that this rule allows at most, when stricter than the policy's. */
  maxRetries?: number;
  why: string;
  matches(facts: FailureFacts): boolean;
}

const throttleErrcodes = new Set([90018, 90001, 90002, 90003, 90004, 90005, 90006]);
// Lower-cased: the api family mixes casings (`InvalidAuthentication`, `invalidParameter…`).
const throttleApiCodes = new Set([
  'forbidden.accessdenied.qpslimitforappkeyandapi',
  'forbidden.accessdenied.qpslimitforapi',
  'forbidden.accessdenied.qpmlimitforappkeyandapi',
]);
/** undici / libuv codes that mean the request never left this machine. */
const notSentNetworkCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

/** First match wins. */
export const retryTable: readonly RetryRule[] = [
  {
    kind: 'throttle',
    why: '§6.3: 90018 per-app per-API QPS ("sleep 1 s and retry"); 90001–90006 legacy temporary bans',
    matches: (f) => f.errcode !== undefined && throttleErrcodes.has(f.errcode),
  },
  {
    kind: 'throttle',
    why: '§6.3: api.dingtalk.com 403 QpsLimitForAppkeyAndApi, QpsLimitForApi, QpmLimitForAppkeyAndApi',
    matches: (f) => f.apiCode !== undefined && throttleApiCodes.has(f.apiCode.toLowerCase()),
  },
  { kind: 'throttle', why: 'HTTP 429 from a gateway in front of DingTalk', matches: (f) => f.httpStatus === 429 },
  {
    kind: 'transient',
    maxRetries: 3,
    why: '§6.2: -1 "system busy, retry (≤3 times)"',
    matches: (f) => f.errcode === -1,
  },
  {
    kind: 'not_sent',
    why: 'connection refused / name not resolved: nothing reached DingTalk',
    matches: (f) => f.networkError !== undefined && notSentNetworkCodes.has(f.networkError),
  },
  {
    kind: 'transient',
    why: 'network failure after the request may have been sent',
    matches: (f) => f.networkError !== undefined,
  },
  { kind: 'transient', why: 'the attempt timed out', matches: (f) => f.code === 'dingtalk.timeout' },
  {
    kind: 'transient',
    why: '§6.2: 500/503 unknownError; any 5xx',
    matches: (f) => f.httpStatus !== undefined && f.httpStatus >= 500,
  },
];

export interface RetryOptions {
  /** Attempts in all, the first included. Default 5. */
  maxAttempts: number;
  /** Full-jitter base for transient failures. Default 200 ms. */
  baseDelayMs: number;
  /** Upper bound of the jitter range. Default 10 s. */
  maxDelayMs: number;
  /** The least wait after a throttle (§6.3 "sleep 1 s"). Default 1000 ms. */
  throttleDelayMs: number;
  /** Uniform in [0, 1); injectable so tests are exact. */
  random: () => number;
}

export const defaultRetryOptions: RetryOptions = {
  maxAttempts: 5,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
  throttleDelayMs: 1_000,
  random: Math.random,
};

export type RetryDecision = { retry: false } | { retry: true; kind: RetryKind; delayMs: number; why: string };

/** The wire facts of `error`, as the table reads them. */
export function failureFacts(error: DingTalkError): FailureFacts {
  const { errcode, subCode, httpStatus, networkError } = error.details;
  return {
    code: error.code,
    errcode: typeof errcode === 'number' ? effectiveErrcode(errcode, subCode) : undefined,
    apiCode: typeof errcode === 'string' ? errcode : undefined,
    httpStatus,
    networkError,
  };
}

/**
 * Whether to try again after `attempt` (1-based) failed with `facts`, and after how long.
 *
 * @example
 * const d = decideRetry(failureFacts(error), 1, { idempotent: true }, defaultRetryOptions);
 * if (d.retry) await clock.sleep(d.delayMs, signal);
 */
export function decideRetry(
  facts: FailureFacts,
  attempt: number,
  call: { idempotent: boolean },
  options: RetryOptions,
): RetryDecision {
  const rule = retryTable.find((r) => r.matches(facts));
  if (rule === undefined) return { retry: false };
  if (!call.idempotent && rule.kind === 'transient') return { retry: false };
  const maxAttempts = Math.min(options.maxAttempts, rule.maxRetries === undefined ? Infinity : rule.maxRetries + 1);
  if (attempt >= maxAttempts) return { retry: false };
  return { retry: true, kind: rule.kind, delayMs: backoffDelay(rule.kind, attempt, options), why: rule.why };
}

/**
 * Exponential backoff with full jitter: uniform in [0, min(max, base·2^(attempt−1))); a throttle adds the fixed
 * floor first, so its first wait is 1–2 s, then 1–3 s, 1–5 s…
 */
export function backoffDelay(kind: RetryKind, attempt: number, options: RetryOptions): number {
  const base = kind === 'throttle' ? options.throttleDelayMs : options.baseDelayMs;
  const ceiling = Math.min(options.maxDelayMs, base * 2 ** (attempt - 1));
  const floor = kind === 'throttle' ? options.throttleDelayMs : 0;
  return Math.round(floor + options.random() * ceiling);
}
