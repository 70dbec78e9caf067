import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testEmulator, type TestEmulator } from './emulator-testing.ts';

let emulator: TestEmulator;
beforeEach(async () => {
  emulator = await testEmulator({ seed: 'control', users: 120 });
});
afterEach(async () => emulator.close());

type Json = Record<string, unknown>;
const control = (method: string, path: string, body?: unknown) => emulator.request(method, `/_emulator${path}`, body);

describe('control API', () => {
  it('reports the state, secrets included', async () => {
    const state = await control('GET', '/state');
    expect(state.status).toBe(200);
    expect(state.body).toMatchObject({
      corpId: emulator.context.corpId,
      seed: 'control',
      counts: { users: 120, depts: 5 },
      qps: 0,
      clock: { manual: true },
      apps: [{ appKey: emulator.appKey, appSecret: emulator.appSecret, scope: { authedDept: [1], authedUser: [] } }],
    });
  });

  it('dumps the organization and one person', async () => {
    const org = (await control('GET', '/org')).body as { departments: Json[]; users: Json[] };
    expect(org.departments).toHaveLength(5);
    expect(org.departments[0]).toEqual({ dept_id: 1, name: emulator.context.org.corpName, parent_id: null, order: expect.any(Number) });
    expect(org.users).toHaveLength(120);
    const first = org.users[0]!;
    expect(first).toMatchObject({ userid: expect.any(String), unionid: expect.any(String), mobile: expect.any(String) });
    expect(first.depts).toEqual([expect.objectContaining({ dept_id: 1, leader: true, main: true })]);
    expect((await control('GET', `/org/users/${first.userid as string}`)).body).toEqual(first);
    expect((await control('GET', '/org/users/nobody')).status).toBe(404);
  });

  it('resets to a new organization and back to defaults', async () => {
    const token = await emulator.token();
    await control('PUT', `/apps/${emulator.appKey}/permissions`, { revoked: ['fieldEmail'] });
    await control('PUT', '/faults', { errorRate: 0.5 });
    const reset = await control('POST', '/reset', { seed: 'other', users: 300 });
    expect(reset.body).toMatchObject({ seed: 'other', counts: { users: 300, depts: 12 }, faults: {} });
    expect((reset.body.apps as Json[])[0]!.permissions).toContain('fieldEmail');
    // The primary app's token survives a reset.
    expect((await emulator.oapi('/topapi/user/count', { only_active: false }, { token })).body).toMatchObject({ result: { count: 300 } });
    expect((await control('GET', '/calls')).body).toMatchObject({ total: 1 });
    expect((await control('DELETE', '/calls')).body).toEqual({ total: 0, byApi: {}, throttled: 0, byApiThrottled: {} });
  });

  it('creates another app whose token is its own', async () => {
    const created = await control('POST', '/apps', { permissions: ['qyapi_get_department_list'] });
    expect(created.status).toBe(201);
    const app = created.body as { appKey: string; appSecret: string; agentId: string; corpId: string };
    expect(app.corpId).toBe(emulator.context.corpId);
    const token = await emulator.token(app.appKey, app.appSecret);
    expect(token).not.toBe(await emulator.token());
    expect((await emulator.oapi('/topapi/user/count', { only_active: false }, { token })).body).toMatchObject({ errcode: 88, sub_code: '60011' });
    expect((await emulator.oapi('/topapi/v2/department/listsubid', { dept_id: 1 }, { token })).body.errcode).toBe(0);
    expect((await control('POST', '/apps', { appKey: app.appKey })).status).toBe(409);
  });

  it('refuses bad bodies with 400 and says what is wrong', async () => {
    const bad = await control('PUT', `/apps/${emulator.appKey}/permissions`, { granted: ['root'] });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'emulator.invalid_body', message: expect.stringContaining('granted.0') });
    expect((await control('PUT', `/apps/${emulator.appKey}/scope`, { authedDept: [999], authedUser: [] })).status).toBe(400);
    expect((await control('PUT', `/apps/${emulator.appKey}/scope`, { authedDept: [1] })).status).toBe(400);
    expect((await control('PUT', '/faults', { errorRate: 2 })).status).toBe(400);
    expect((await control('POST', '/reset', { users: 'many' })).status).toBe(400);
    expect((await emulator.request('POST', '/_emulator/reset', '{nope', { 'content-type': 'application/json' })).status).toBe(400);
    expect((await control('PUT', '/apps/nope/scope', { authedDept: [1], authedUser: [] })).status).toBe(404);
    expect((await control('GET', '/nothing')).status).toBe(404);
  });

  it('moves a manual clock', async () => {
    const before = emulator.clock.now();
    const moved = await control('PUT', '/clock', { advanceMs: 7_200_000 });
    expect(moved.body).toMatchObject({ now: before + 7_200_000, manual: true });
  });
});
