/**
 * Contract, part 2: our DingTalk client against the emulator over loopback HTTP. They share nothing but the wire.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createDingTalkClient, isDingTalkError, type DingTalkClient } from '../../src/dingtalk/index.ts';
import { addressBookSourceOf, crawlAddressBook } from '../../src/sync/index.ts';
import { useEmulator } from '../support/emulator.ts';

const emulator = useEmulator({ seed: 'client', users: 800 });

interface OrgDump {
  departments: { dept_id: number; name: string; parent_id: number }[];
  users: { userid: string; unionid: string; name: string; depts: { dept_id: number; order: number; leader: boolean; main: boolean }[] }[];
}

function client(options: Partial<Parameters<typeof createDingTalkClient>[0]> = {}): DingTalkClient {
  return createDingTalkClient({ credentials: { appKey: emulator.appKey, appSecret: emulator.appSecret }, apiBase: emulator.url, ...options });
}

/**
 * The emulator enforces DingTalk's limit per app and API over a sliding second, across clients. A new client knows
 * nothing of the previous test's calls, so tests that count calls or throttles start with an empty window.
 */
async function quietWindow(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1100));
  await emulator.control('DELETE', '/calls');
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<Record<string, unknown>> {
  const error = await promise.then(
    () => expect.fail(`expected ${code}`),
    (e: unknown) => e,
  );
  expect(isDingTalkError(error), String(error)).toBe(true);
  expect((error as { code: string }).code).toBe(code);
  return (error as { details: Record<string, unknown> }).details;
}

afterEach(async () => {
  await emulator.control('DELETE', '/faults');
  await emulator.control('PUT', `/apps/${emulator.appKey}/permissions`, { granted: ['qyapi_get_department_list', 'qyapi_get_member', 'qyapi_get_department_member', 'qyapi_manage_addresslist', 'fieldMobile', 'fieldEmail'] });
  await emulator.control('PUT', `/apps/${emulator.appKey}/scope`, { authedDept: [1], authedUser: [] });
});

describe('a full crawl through the client', () => {
  it('reproduces the emulated organization exactly: tree, names, multi-department memberships, leaders', async () => {
    const dump = await emulator.control<OrgDump>('GET', '/org');
    const dingtalk = client();
    const snapshot = await crawlAddressBook(addressBookSourceOf(dingtalk));
    expect(snapshot.complete).toBe(true);

    const departments = [...snapshot.departments.values()].filter((d) => d.deptId !== 1);
    expect(new Map(departments.map((d) => [d.deptId, [d.name, d.parentId]]))).toEqual(
      new Map(dump.departments.filter((d) => d.dept_id !== 1).map((d) => [d.dept_id, [d.name, d.parent_id]])),
    );
    expect(snapshot.users.size).toBe(dump.users.length);
    for (const person of dump.users) {
      const crawled = snapshot.users.get(person.userid);
      expect(crawled?.record.unionid).toBe(person.unionid);
      const expected = person.depts.map((d) => ({ deptId: d.dept_id, leader: d.leader })).sort((a, b) => a.deptId - b.deptId);
      const got = crawled!.memberships.map((m) => ({ deptId: m.deptId, leader: m.leader })).sort((a, b) => a.deptId - b.deptId);
      expect(got).toEqual(expected);
      expect(crawled!.memberships[0]!.deptId).toBe(person.depts.find((d) => d.main)!.dept_id); // main first
    }

    // The fewest calls: one token, one listsub per department, one page per 100 direct members (≥ 1).
    const direct = new Map<number, number>(dump.departments.map((d) => [d.dept_id, 0]));
    for (const person of dump.users) for (const d of person.depts) direct.set(d.dept_id, direct.get(d.dept_id)! + 1);
    const pages = [...direct.values()].reduce((sum, n) => sum + Math.max(1, Math.ceil(n / 100)), 0);
    expect(dingtalk.stats().byApi).toEqual({
      'v1.0/oauth2/accessToken': 1,
      'topapi/v2/department/listsub': dump.departments.length,
      'topapi/v2/user/list': pages,
    });
  });
});

describe('token reuse', () => {
  it('asks for one token however many calls run at once, and the emulator saw exactly that', async () => {
    await quietWindow();
    const dingtalk = client();
    await Promise.all(Array.from({ length: 30 }, () => dingtalk.departments.listSub(1)));
    const calls = await emulator.control<{ byApi: Record<string, number> }>('GET', '/calls');
    expect(calls.byApi['v1.0/oauth2/accessToken']).toBe(1);
    expect(dingtalk.stats().byApi['v1.0/oauth2/accessToken']).toBe(1);
    expect(calls.byApi['topapi/v2/department/listsub']).toBe(30);
  });

  it('gets the same token from gettoken as from the new endpoint while it is valid (§1.4)', async () => {
    const viaOapi = client({ tokenSource: 'oapi' });
    const dept = await viaOapi.departments.listSub(1);
    expect(dept.length).toBeGreaterThan(0);
    expect(viaOapi.stats().byApi.gettoken).toBe(1);
  });
});

describe('errors in one vocabulary', () => {
  it('names a withheld permission and what to enable', async () => {
    await emulator.control('PUT', `/apps/${emulator.appKey}/permissions`, { revoked: ['qyapi_get_department_member'] });
    const details = await expectCode(client().users.listPage({ deptId: 1, cursor: 0, size: 10 }), 'dingtalk.permission_denied');
    expect(details.permission).toBe('qyapi_get_department_member');
  });

  it('reports departments outside the app address-book scope, and auth/scopes tells the scope', async () => {
    const dump = await emulator.control<OrgDump>('GET', '/org');
    const [inside, outside] = dump.departments.filter((d) => d.parent_id === 1);
    await emulator.control('PUT', `/apps/${emulator.appKey}/scope`, { authedDept: [inside!.dept_id], authedUser: [] });
    const dingtalk = client();
    expect((await dingtalk.auth.scopes()).auth_org_scopes.authed_dept).toEqual([inside!.dept_id]);
    await expectCode(dingtalk.users.listPage({ deptId: outside!.dept_id, cursor: 0, size: 10 }), 'dingtalk.out_of_scope');
    const page = await dingtalk.users.listPage({ deptId: inside!.dept_id, cursor: 0, size: 10 });
    expect(page.list.length).toBeGreaterThanOrEqual(0);
  });

  it('maps wrong credentials to dingtalk.invalid_credentials', async () => {
    await expectCode(client({ credentials: { appKey: emulator.appKey, appSecret: 'wrong' } }).departments.listSub(1), 'dingtalk.invalid_credentials');
  });

  it('maps an unknown user to dingtalk.not_found', async () => {
    await expectCode(client().users.getByUnionId('stranger-unionid'), 'dingtalk.not_found');
  });
});

describe('throttling and recovery through the retry table', () => {
  it('retries DingTalk throttles (90018) and completes, counting them', async () => {
    await emulator.control('PUT', '/faults', { throttle: { api: 'topapi/v2/department/listsub', count: 2 } });
    const dingtalk = client({ retry: { baseDelayMs: 1, throttleDelayMs: 5 } });
    const children = await dingtalk.departments.listSub(1);
    expect(children.length).toBeGreaterThan(0);
    expect(dingtalk.stats().throttled).toBe(2);
    expect(dingtalk.stats().byApi['topapi/v2/department/listsub']).toBe(3);
  });

  it('recovers from the emulator enforcing its real rate limit when our limiter is off', async () => {
    const dingtalk = client({ rateLimit: { qps: 0 }, retry: { baseDelayMs: 20, throttleDelayMs: 200, maxAttempts: 8 } });
    const results = await Promise.all(Array.from({ length: 45 }, () => dingtalk.departments.listSub(1)));
    expect(results.every((r) => r.length > 0)).toBe(true);
    expect(dingtalk.stats().throttled).toBeGreaterThan(0);
  });

  it('keeps under the limit with our limiter on: no throttles for a burst', async () => {
    await quietWindow();
    const dingtalk = client();
    await Promise.all(Array.from({ length: 45 }, () => dingtalk.departments.listSub(1)));
    expect(dingtalk.stats().throttled).toBe(0);
    expect((await emulator.control<{ throttled: number }>('GET', '/calls')).throttled).toBe(0);
  });

  it('retries -1 "system busy" and fails fast on errors that retrying cannot fix', async () => {
    await emulator.control('PUT', '/faults', { errorRate: 1, errcode: -1, apis: ['topapi/v2/department/listsub'] });
    const dingtalk = client({ retry: { baseDelayMs: 1, maxAttempts: 3 } });
    await expectCode(dingtalk.departments.listSub(1), 'dingtalk.unavailable');
    expect(dingtalk.stats().byApi['topapi/v2/department/listsub']).toBe(3);
    await emulator.control('DELETE', '/faults');
    const before = dingtalk.stats().byApi['topapi/v2/department/get'] ?? 0;
    await expectCode(dingtalk.departments.get(987654321), 'dingtalk.not_found');
    expect(dingtalk.stats().byApi['topapi/v2/department/get']).toBe(before + 1);
  });
});

describe('writes (§5)', () => {
  it('creates, updates and deletes a department and a person in two departments', async () => {
    const dingtalk = client();
    const { dept_id: deptId } = await dingtalk.departments.create({ name: '契约测试部', parent_id: 1 });
    const [other] = await dingtalk.departments.listSub(1);
    const created = await dingtalk.users.create({ name: '契约 测试', mobile: '13900001234', dept_id_list: [deptId, other!.dept_id] });
    const detail = await dingtalk.users.get(created.userid);
    expect(detail.dept_id_list.sort()).toEqual([deptId, other!.dept_id].sort());
    await expectCode(dingtalk.departments.delete(deptId), 'dingtalk.conflict'); // has a member (60005)
    await dingtalk.users.update({ userid: created.userid, title: '工程师' });
    expect((await dingtalk.users.get(created.userid)).title).toBe('工程师');
    await expectCode(dingtalk.users.create({ name: '重复', mobile: '13900001234', dept_id_list: [deptId] }), 'dingtalk.conflict');
    await dingtalk.users.delete(created.userid);
    await dingtalk.departments.delete(deptId);
    await expectCode(dingtalk.departments.get(deptId), 'dingtalk.not_found');
  });
});
