import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testEmulator, type TestEmulator } from './emulator-testing.ts';
import { RateWindow } from './rate-window.ts';

describe('RateWindow', () => {
  it('admits at most qps calls in any 1000 ms, per app and API', () => {
    const window = new RateWindow(3);
    const at = (t: number) => window.tryAcquire('app', 'api', t);
    expect([at(0), at(100), at(200), at(300)]).toEqual([true, true, true, false]);
    expect(at(999)).toBe(false);
    expect(at(1000)).toBe(true); // the call at 0 left the window
    expect(at(1050)).toBe(false);
    expect(at(1100)).toBe(true);
    expect(window.tryAcquire('app', 'other', 1100)).toBe(true);
    expect(window.tryAcquire('other-app', 'api', 1100)).toBe(true);
  });

  it('does not let refused calls take a slot, and 0 means unlimited', () => {
    const window = new RateWindow(1);
    expect(window.tryAcquire('a', 'x', 0)).toBe(true);
    for (let t = 1; t < 1000; t += 100) expect(window.tryAcquire('a', 'x', t)).toBe(false);
    expect(window.tryAcquire('a', 'x', 1000)).toBe(true);
    const unlimited = new RateWindow(0);
    for (let i = 0; i < 1000; i++) expect(unlimited.tryAcquire('a', 'x', 0)).toBe(true);
  });
});

describe('rate limits on the wire (§6.3)', () => {
  let emulator: TestEmulator;
  beforeEach(async () => {
    emulator = await testEmulator({ seed: 'rate', users: 50, qps: 5 });
  });
  afterEach(async () => emulator.close());

  it('answers exactly one of qps + 1 quick calls with 90018 and counts it', async () => {
    const token = await emulator.token();
    const codes: unknown[] = [];
    for (let i = 0; i < 6; i++) codes.push((await emulator.oapi('/topapi/v2/department/listsubid', { dept_id: 1 }, { token })).body.errcode);
    expect(codes.filter((c) => c === 90018)).toHaveLength(1);
    expect(codes.filter((c) => c === 0)).toHaveLength(5);
    // Another API has its own window.
    expect((await emulator.oapi('/topapi/user/count', { only_active: false }, { token })).body.errcode).toBe(0);
    emulator.clock.advance(1000);
    expect((await emulator.oapi('/topapi/v2/department/listsubid', { dept_id: 1 }, { token })).body.errcode).toBe(0);
    const calls = (await emulator.request('GET', '/_emulator/calls')).body;
    expect(calls).toMatchObject({
      total: 9,
      throttled: 1,
      byApi: { gettoken: 1, 'topapi/v2/department/listsubid': 7, 'topapi/user/count': 1 },
      byApiThrottled: { 'topapi/v2/department/listsubid': 1 },
    });
  });

  it('limits the token endpoints too, with 403 QpsLimitForAppkeyAndApi on the api family', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await emulator.request('POST', '/v1.0/oauth2/accessToken', { appKey: emulator.appKey, appSecret: emulator.appSecret })).status);
    }
    expect(statuses.filter((s) => s === 403)).toHaveLength(1);
    const throttled = await emulator.request('POST', '/v1.0/oauth2/accessToken', { appKey: emulator.appKey, appSecret: emulator.appSecret });
    expect(throttled.body).toMatchObject({ code: 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', requestid: expect.any(String) });
    const codes: unknown[] = [];
    for (let i = 0; i < 6; i++) codes.push((await emulator.request('GET', `/gettoken?appkey=${emulator.appKey}&appsecret=${emulator.appSecret}`)).body.errcode);
    expect(codes.filter((c) => c === 90018)).toHaveLength(1);
  });
});

describe('injected faults', () => {
  let emulator: TestEmulator;
  beforeEach(async () => {
    emulator = await testEmulator({ seed: 'faults', users: 50 });
  });
  afterEach(async () => emulator.close());

  it('throttles the next N calls of an API and counts them as throttled', async () => {
    const token = await emulator.token();
    await emulator.request('PUT', '/_emulator/faults', { throttle: { api: 'topapi/user/count', count: 2 } });
    const codes: unknown[] = [];
    for (let i = 0; i < 3; i++) codes.push((await emulator.oapi('/topapi/user/count', { only_active: false }, { token })).body.errcode);
    expect(codes).toEqual([90018, 90018, 0]);
    expect((await emulator.request('GET', '/_emulator/calls')).body).toMatchObject({ throttled: 2 });
  });

  it('fails the chosen share of calls with the chosen errcode, only on the listed APIs', async () => {
    const token = await emulator.token();
    await emulator.request('PUT', '/_emulator/faults', { errorRate: 1, errcode: -1, apis: ['topapi/user/count'] });
    expect((await emulator.oapi('/topapi/user/count', { only_active: false }, { token })).body).toMatchObject({ errcode: -1, errmsg: '系统繁忙' });
    expect((await emulator.oapi('/topapi/v2/department/listsubid', { dept_id: 1 }, { token })).body.errcode).toBe(0);
    await emulator.request('DELETE', '/_emulator/faults');
    expect((await emulator.oapi('/topapi/user/count', { only_active: false }, { token })).body.errcode).toBe(0);
    await emulator.request('PUT', '/_emulator/faults', { errorRate: 1 });
    const api = await emulator.request('POST', '/v1.0/oauth2/accessToken', { appKey: emulator.appKey, appSecret: emulator.appSecret });
    expect(api).toMatchObject({ status: 503, body: { code: 'unknownError' } });
  });
});
