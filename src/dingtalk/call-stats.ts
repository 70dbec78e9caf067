/**
 * Counts every HTTP attempt the client makes, per API and outcome, so a run can report exactly how many calls it
 * made (token calls, retries and throttled attempts included) and compare them with DESIGN.md's bounds.
 */
import type { DingTalkErrorCode } from './dingtalk-errors.ts';

/**
 * `ok`; `throttled` for `dingtalk.rate_limited`; `aborted` when the caller gave up mid-request; else the error
 * code.
 */
export type CallOutcome = 'ok' | 'throttled' | 'aborted' | Exclude<DingTalkErrorCode, 'dingtalk.rate_limited'>;

/** What the `onCall` hook receives after each HTTP attempt. */
export interface CallInfo {
  api: string;
  durationMs: number;
  outcome: CallOutcome;
  /** 1 for the first attempt of a call, 2 for its first retry… */
  attempt: number;
}

export interface DingTalkCallStats {
  /** HTTP attempts in all. */
  total: number;
  byApi: Record<string, number>;
  byOutcome: Partial<Record<CallOutcome, number>>;
  byApiOutcome: Record<string, Partial<Record<CallOutcome, number>>>;
  /** Attempts DingTalk refused for rate (same as `byOutcome.throttled`). */
  throttled: number;
  /** Attempts after the first of their call (retry table or token refresh). */
  retries: number;
}

export interface CallStats {
  record(info: CallInfo): void;
  snapshot(): DingTalkCallStats;
  reset(): void;
}

export function createCallStats(): CallStats {
  let stats = empty();
  return {
    record({ api, outcome, attempt }) {
      stats.total++;
      stats.byApi[api] = (stats.byApi[api] ?? 0) + 1;
      stats.byOutcome[outcome] = (stats.byOutcome[outcome] ?? 0) + 1;
      const perApi = (stats.byApiOutcome[api] ??= {});
      perApi[outcome] = (perApi[outcome] ?? 0) + 1;
      if (outcome === 'throttled') stats.throttled++;
      if (attempt > 1) stats.retries++;
    },
    snapshot: () => structuredClone(stats),
    reset() {
      stats = empty();
    },
  };
}

function empty(): DingTalkCallStats {
  return { total: 0, byApi: {}, byOutcome: {}, byApiOutcome: {}, throttled: 0, retries: 0 };
}
