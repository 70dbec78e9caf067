import { describe, expect, it } from 'vitest';
import { errorFromApi, errorFromOapi, networkError, timeoutError, type DingTalkError } from './dingtalk-errors.ts';
import { backoffDelay, decideRetry, defaultRetryOptions, failureFacts, type RetryOptions } from './retry-policy.ts';

const fixed = (random: number): RetryOptions => ({ ...defaultRetryOptions, random: () => random });
const read = { idempotent: true };
const create = { idempotent: false };

const oapi = (errcode: number, sub_code?: string): DingTalkError =>
  errorFromOapi('topapi/v2/user/list', 200, { errcode, sub_code });
const api = (status: number, code: string): DingTalkError => errorFromApi('v1.0/contact/users/me', status, { code });
const refused = networkError('topapi/v2/user/create', Object.assign(new TypeError('fetch failed'), {
  cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
}));
const reset = networkError('topapi/v2/user/create', Object.assign(new TypeError('fetch failed'), {
  cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
}));

const kindOf = (error: DingTalkError, call = read): string => {
  const decision = decideRetry(failureFacts(error), 1, call, fixed(0.5));
  return decision.retry ? decision.kind : 'fail';
};

describe('the retry table', () => {
  it.each([
    ['90018 per-app QPS', oapi(90018), 'throttle'],
    ['90002 per-API ban', oapi(90002), 'throttle'],
    ['90001', oapi(90001), 'throttle'],
    ['90006', oapi(90006), 'throttle'],
    ['403 QpsLimitForAppkeyAndApi', api(403, 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi'), 'throttle'],
    ['403 QpsLimitForApi', api(403, 'Forbidden.AccessDenied.QpsLimitForApi'), 'throttle'],
    ['403 QpmLimitForAppkeyAndApi', api(403, 'Forbidden.AccessDenied.QpmLimitForAppkeyAndApi'), 'throttle'],
    ['-1 system busy', oapi(-1), 'transient'],
    ['503 unknownError', api(503, 'unknownError'), 'transient'],
    ['timeout', timeoutError('topapi/v2/user/list', 10_000), 'transient'],
    ['connection reset', reset, 'transient'],
    ['connection refused', refused, 'not_sent'],
  ])('retries %s', (_name, error, kind) => {
    expect(kindOf(error)).toBe(kind);
  });

  it.each([
    ['60011 permission', oapi(60011)],
    ['88 + 40014 token (handled by the token refresh, not the table)', oapi(88, '40014')],
    ['60003 not found', oapi(60003)],
    ['400002 bad parameter', oapi(400002)],
    ['60104 conflict', oapi(60104)],
    ['90020 monthly quota', oapi(90020)],
    ['40096 bad credentials', oapi(40096)],
    ['400 invalidParameter', api(400, 'invalidParameter')],
    ['403 AccessTokenPermissionDenied', api(403, 'Forbidden.AccessDenied.AccessTokenPermissionDenied')],
  ])('fails %s at once', (_name, error) => {
    expect(kindOf(error)).toBe('fail');
  });

  it('retries a create only when it was certainly not processed', () => {
    expect(kindOf(oapi(90018), create)).toBe('throttle');
    expect(kindOf(refused, create)).toBe('not_sent');
    expect(kindOf(oapi(-1), create)).toBe('fail');
    expect(kindOf(timeoutError('topapi/v2/user/create', 10_000), create)).toBe('fail');
    expect(kindOf(api(500, 'unknownError'), create)).toBe('fail');
    expect(kindOf(reset, create)).toBe('fail');
  });

  it('stops after maxAttempts, and after 3 retries of -1 (§6.2 "retry ≤3 times")', () => {
    const options = { ...fixed(0.5), maxAttempts: 5 };
    const attemptsAllowed = (error: DingTalkError): number => {
      let attempt = 1;
      while (decideRetry(failureFacts(error), attempt, read, options).retry) attempt++;
      return attempt;
    };
    expect(attemptsAllowed(oapi(90018))).toBe(5);
    expect(attemptsAllowed(oapi(-1))).toBe(4);
    expect(attemptsAllowed(timeoutError('x', 1))).toBe(5);
  });
});

describe('backoff', () => {
  it('waits at least 1 s after a throttle (§6.3 "sleep 1 s"), growing with jitter', () => {
    expect(backoffDelay('throttle', 1, fixed(0))).toBe(1000);
    expect(backoffDelay('throttle', 1, fixed(0.999))).toBe(1999);
    expect(backoffDelay('throttle', 3, fixed(0.5))).toBe(1000 + 0.5 * 4000);
  });

  it('uses full jitter from zero for transient failures, capped', () => {
    expect(backoffDelay('transient', 1, fixed(0))).toBe(0);
    expect(backoffDelay('transient', 1, fixed(0.5))).toBe(100);
    expect(backoffDelay('transient', 4, fixed(0.5))).toBe(800);
    expect(backoffDelay('transient', 30, fixed(1))).toBe(defaultRetryOptions.maxDelayMs);
  });

  it('reads a throttle wrapped in errcode 88 through its sub_code', () => {
    expect(kindOf(oapi(88, '90018'))).toBe('throttle');
  });
});
