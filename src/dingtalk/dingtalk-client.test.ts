import { describe, expect, it } from 'vitest';
import { manualClock } from '../core/index.ts';
import type { CallInfo } from './call-stats.ts';
import { createDingTalkClient, type DingTalkClientOptions } from './dingtalk-client.ts';
import { DingTalkError, isDingTalkError } from './dingtalk-errors.ts';
import { fakeFetch, hanging, issuingTokens, ok, sequence, type Route } from './fake-fetch.test-support.ts';

const credentials = { appKey: 'dingappkey', appSecret: 'app-secret-value' };
const user = { userid: 'u1', name: 'Ann', unionid: 'un1', dept_id_list: [1], active: true };

/** A client on a fake DingTalk, rate limit off and retries immediate unless a test says otherwise. */
function clientOn(routes: Record<string, Route>, options: Partial<DingTalkClientOptions> = {}) {
  const fake = fakeFetch({ 'v1.0/oauth2/accessToken': issuingTokens(), ...routes });
  const client = createDingTalkClient({
    credentials,
    apiBase: 'http://127.0.0.1:9/',
    fetch: fake.fetch,
    rateLimit: { qps: 0 },
    retry: { baseDelayMs: 0, throttleDelayMs: 0 },
    ...options,
  });
  return { client, fake };
}

async function failure(promise: Promise<unknown>): Promise<DingTalkError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DingTalkError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('app token (§1.3, §1.4)', () => {
  it('fetches one token for 50 concurrent calls (single-flight) and sends it in the oapi query', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { client, fake } = clientOn({
      'v1.0/oauth2/accessToken': async () => {
        await gate;
        return { body: { accessToken: 'tok-1', expireIn: 7200 } };
      },
      'topapi/v2/user/get': () => ok(user),
    });
    const calls = Array.from({ length: 50 }, () => client.users.get('u1'));
    release();
    await Promise.all(calls);

    expect(fake.to('v1.0/oauth2/accessToken')).toHaveLength(1);
    expect(fake.to('v1.0/oauth2/accessToken')[0]!.body).toEqual(credentials);
    expect(fake.to('topapi/v2/user/get').every((r) => r.query.access_token === 'tok-1')).toBe(true);
    expect(client.stats().byApi).toEqual({ 'v1.0/oauth2/accessToken': 1, 'topapi/v2/user/get': 50 });
  });

  it('on a rejected token refreshes once and retries the call once', async () => {
    const { client, fake } = clientOn({
      'topapi/v2/user/get': (request) =>
        request.query.access_token === 'tok-1'
          ? { body: { errcode: 88, sub_code: '40014', sub_msg: '不合法的access_token', errmsg: 'ding talk error' } }
          : ok(user),
    });
    await expect(client.users.get('u1')).resolves.toMatchObject({ userid: 'u1' });
    expect(fake.to('v1.0/oauth2/accessToken')).toHaveLength(2);
    expect(fake.to('topapi/v2/user/get').map((r) => r.query.access_token)).toEqual(['tok-1', 'tok-2']);
    expect(client.stats()).toMatchObject({ total: 4, retries: 1 });
  });

  it('refreshes once for 50 concurrent calls that all hit the rejected token, however late they fail', async () => {
    let refreshed!: () => void;
    const afterRefresh = new Promise<void>((resolve) => (refreshed = resolve));
    const issue = issuingTokens();
    let rejections = 0;
    const { client, fake } = clientOn({
      'v1.0/oauth2/accessToken': (request, signal) => {
        const answer = issue(request, signal);
        if (fake.to('v1.0/oauth2/accessToken').length === 2) setTimeout(refreshed, 0);
        return answer;
      },
      'topapi/user/count': () => ok({ count: 1 }),
      // The first rejection comes at once; the other 49 only after the new token exists, so a careless
      // invalidation would throw the new token away and refresh again.
      'topapi/v2/user/get': async (request) => {
        if (request.query.access_token !== 'tok-1') return ok(user);
        if (rejections++ > 0) await afterRefresh;
        return { body: { errcode: 40014, errmsg: '不合法的access_token' } };
      },
    });
    await client.users.count(false); // caches tok-1
    await Promise.all(Array.from({ length: 50 }, () => client.users.get('u1')));
    expect(fake.to('v1.0/oauth2/accessToken')).toHaveLength(2);
    expect(fake.to('topapi/v2/user/get')).toHaveLength(100);
  });

  it('gives up when the fresh token is rejected too', async () => {
    const { client, fake } = clientOn({ 'topapi/v2/user/get': () => ({ body: { errcode: 42001 } }) });
    expect((await failure(client.users.get('u1'))).code).toBe('dingtalk.invalid_token');
    expect(fake.to('v1.0/oauth2/accessToken')).toHaveLength(2);
    expect(fake.to('topapi/v2/user/get')).toHaveLength(2);
  });

  it('refreshes 10 minutes before expiry, and half-way through a short-lived token', async () => {
    const clock = manualClock(0);
    const { client, fake } = clientOn({ 'topapi/user/count': () => ok({ count: 1 }) }, { clock });
    await client.users.count(false);
    clock.advance((7200 - 600) * 1000 - 1);
    await client.users.count(false);
    expect(fake.to('v1.0/oauth2/accessToken')).toHaveLength(1);
    clock.advance(1);
    await client.users.count(false);
    expect(fake.to('v1.0/oauth2/accessToken')).toHaveLength(2);

    const short = clientOn(
      { 'v1.0/oauth2/accessToken': issuingTokens(60), 'topapi/user/count': () => ok({ count: 1 }) },
      { clock },
    );
    await short.client.users.count(false);
    clock.advance(29_999);
    await short.client.users.count(false);
    clock.advance(1);
    await short.client.users.count(false);
    expect(short.fake.to('v1.0/oauth2/accessToken')).toHaveLength(2);
  });

  it('can use the oapi gettoken endpoint, credentials in the query (§1.2)', async () => {
    const { client, fake } = clientOn(
      {
        gettoken: () => ({ body: { errcode: 0, errmsg: 'ok', access_token: 'old-style', expires_in: 7200 } }),
        'topapi/user/count': () => ok({ count: 7 }),
      },
      { tokenSource: 'oapi' },
    );
    expect(await client.users.count(true)).toBe(7);
    expect(fake.to('gettoken')[0]).toMatchObject({ method: 'GET', query: { appkey: 'dingappkey', appsecret: 'app-secret-value' } });
    expect(fake.to('topapi/user/count')[0]!.query.access_token).toBe('old-style');
    expect(fake.to('v1.0/oauth2/accessToken')).toHaveLength(0);
  });

  it('reports bad credentials without leaking the secret', async () => {
    const { client } = clientOn({
      'v1.0/oauth2/accessToken': () => ({
        status: 400,
        body: { requestid: 'r-1', code: 'invalidClientIdOrSecret', message: '无效的clientId或者clientSecret' },
      }),
    });
    const error = await failure(client.users.get('u1'));
    expect(error.code).toBe('dingtalk.invalid_credentials');
    expect(error.details.api).toBe('v1.0/oauth2/accessToken');
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toMatch(/app-secret-value|dingappkey/);
  });
});

describe('wire shape (§1.1, §2, §5)', () => {
  it('points oapi, api and login at one apiBase, or at per-host overrides', () => {
    const { client } = clientOn({});
    expect(client.baseUrls).toEqual({ oapi: 'http://127.0.0.1:9', api: 'http://127.0.0.1:9', login: 'http://127.0.0.1:9' });
    const real = createDingTalkClient({ credentials });
    expect(real.baseUrls).toEqual({
      oapi: 'https://oapi.dingtalk.com',
      api: 'https://api.dingtalk.com',
      login: 'https://login.dingtalk.com',
    });
    const mixed = createDingTalkClient({ credentials, apiBase: 'http://emu', baseUrls: { login: 'http://login.local/' } });
    expect(mixed.baseUrls).toEqual({ oapi: 'http://emu', api: 'http://emu', login: 'http://login.local' });
  });

  it('sends oapi POST bodies as typed JSON and lists as comma strings where §5 says so', async () => {
    const { client, fake } = clientOn({
      'topapi/v2/user/create': () => ok({ userid: 'new1', unionId: 'uni-new1' }),
      'topapi/v2/department/update': () => ({ body: { errcode: 0, errmsg: 'ok', request_id: 'r' } }),
      'topapi/v2/user/list': () => ok({ has_more: false, list: [] }),
    });
    const created = await client.users.create({
      name: 'Ann',
      mobile: '13800000000',
      dept_id_list: [2, 3],
      dept_order_list: [{ dept_id: 2, order: 1 }],
      hide_mobile: false,
    });
    expect(created).toEqual({ userid: 'new1', unionId: 'uni-new1' });
    expect(fake.to('topapi/v2/user/create')[0]).toMatchObject({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: { name: 'Ann', mobile: '13800000000', dept_id_list: '2,3', dept_order_list: [{ dept_id: 2, order: 1 }], hide_mobile: false },
    });

    await client.departments.update({ dept_id: 5, dept_manager_userid_list: ['a', 'b'], order: 3 });
    expect(fake.to('topapi/v2/department/update')[0]!.body).toEqual({ dept_id: 5, dept_manager_userid_list: 'a,b', order: 3 });

    await client.users.listPage({ deptId: 1, cursor: 0, size: 100, containAccessLimit: true });
    expect(fake.to('topapi/v2/user/list')[0]!.body).toEqual({ dept_id: 1, cursor: 0, size: 100, contain_access_limit: true });
  });

  it('reads auth/scopes with GET and the token in the query (§3.6)', async () => {
    const { client, fake } = clientOn({
      'auth/scopes': () => ({
        body: { errcode: 0, errmsg: 'ok', auth_org_scopes: { authed_dept: [1], authed_user: [] }, auth_user_field: ['name'] },
      }),
    });
    expect(await client.auth.scopes()).toEqual({ auth_org_scopes: { authed_dept: [1], authed_user: [] }, auth_user_field: ['name'] });
    expect(fake.to('auth/scopes')[0]).toMatchObject({ method: 'GET', query: { access_token: 'tok-1' }, body: undefined });
  });

  it('unwraps single-list results and keeps unknown user fields', async () => {
    const { client } = clientOn({
      'topapi/v2/department/listsubid': () => ok({ dept_id_list: [2, 3] }),
      'topapi/user/listid': () => ok({ userid_list: ['a', 'b'] }),
      'topapi/v2/department/listparentbydept': () => ok({ parent_id_list: [789, 456, 1] }),
      'topapi/v2/user/get': () => ok({ ...user, custom_field: 'x' }),
      'topapi/user/getbyunionid': () => ok({ contact_type: 0, userid: 'u1' }),
    });
    expect(await client.departments.listSubIds(1)).toEqual([2, 3]);
    expect(await client.users.listIds(1)).toEqual(['a', 'b']);
    expect(await client.departments.listParentByDept(789)).toEqual([789, 456, 1]);
    expect((await client.users.get('u1')).custom_field).toBe('x');
    expect(await client.users.getByUnionId('un1')).toEqual({ userid: 'u1', contact_type: 0 });
  });
});

describe('pagination (§4.3)', () => {
  it('follows next_cursor until has_more is false, 100 a page', async () => {
    const pages: Record<number, unknown> = {
      0: { has_more: true, next_cursor: 100, list: [user] },
      100: { has_more: true, next_cursor: 200, list: [{ ...user, userid: 'u2' }] },
      200: { has_more: false, list: [{ ...user, userid: 'u3' }] },
    };
    const { client, fake } = clientOn({
      'topapi/v2/user/list': (request) => ok(pages[(request.body as { cursor: number }).cursor]),
    });
    const seen: string[] = [];
    for await (const page of client.users.listAll(7, { orderField: 'modify_desc' })) seen.push(...page.list.map((u) => u.userid));
    expect(seen).toEqual(['u1', 'u2', 'u3']);
    expect(fake.to('topapi/v2/user/list').map((r) => r.body)).toEqual([0, 100, 200].map((cursor) => ({
      dept_id: 7,
      cursor,
      size: 100,
      order_field: 'modify_desc',
    })));
  });

  it('refuses a page that says has_more without a moving cursor', async () => {
    const { client } = clientOn({ 'topapi/v2/user/list': () => ok({ has_more: true, list: [] }) });
    const run = async (): Promise<void> => {
      for await (const _page of client.users.listAll(1)) {
        // drain
      }
    };
    expect((await failure(run())).code).toBe('dingtalk.bad_response');
  });
});

describe('retries, timeouts and aborts', () => {
  it('retries a throttle and counts every attempt (§6.3)', async () => {
    const calls: CallInfo[] = [];
    const { client } = clientOn(
      {
        'topapi/v2/department/listsub': sequence(
          { body: { errcode: 90018, errmsg: '请求过于频繁' } },
          { body: { errcode: 90002, errmsg: '请求总次数超过了 300 次' } },
          ok([{ dept_id: 2, name: 'R&D', parent_id: 1 }]),
        ),
      },
      { onCall: (info) => calls.push(info) },
    );
    expect(await client.departments.listSub(1)).toEqual([{ dept_id: 2, name: 'R&D', parent_id: 1 }]);
    expect(calls.filter((c) => c.api === 'topapi/v2/department/listsub').map((c) => [c.attempt, c.outcome])).toEqual([
      [1, 'throttled'],
      [2, 'throttled'],
      [3, 'ok'],
    ]);
    expect(client.stats()).toMatchObject({
      total: 4,
      throttled: 2,
      retries: 2,
      byOutcome: { ok: 2, throttled: 2 },
      byApiOutcome: { 'topapi/v2/department/listsub': { throttled: 2, ok: 1 } },
    });
    client.resetStats();
    expect(client.stats()).toEqual({ total: 0, byApi: {}, byOutcome: {}, byApiOutcome: {}, throttled: 0, retries: 0 });
  });

  it('stops after maxAttempts and surfaces the last error', async () => {
    const { client, fake } = clientOn(
      { 'topapi/v2/user/list': () => ({ body: { errcode: -1, errmsg: '系统繁忙' } }) },
      { retry: { baseDelayMs: 0, maxAttempts: 2 } },
    );
    expect((await failure(client.users.listPage({ deptId: 1 }))).code).toBe('dingtalk.unavailable');
    expect(fake.to('topapi/v2/user/list')).toHaveLength(2);
  });

  it('does not retry a create after -1 or 5xx, but does after a throttle', async () => {
    const { client, fake } = clientOn({
      'topapi/v2/department/create': sequence(
        { body: { errcode: 90018 } },
        { body: { errcode: -1 } },
        ok({ dept_id: 9 }),
      ),
    });
    expect((await failure(client.departments.create({ name: 'Ops', parent_id: 1 }))).code).toBe('dingtalk.unavailable');
    expect(fake.to('topapi/v2/department/create')).toHaveLength(2);
  });

  it('fails other errors at once with the permission named', async () => {
    const { client, fake } = clientOn({
      'topapi/v2/user/list': () => ({ body: { errcode: 88, sub_code: '60011', sub_msg: '没有调用该接口的权限' } }),
    });
    const error = await failure(client.users.listPage({ deptId: 1 }));
    expect(error.code).toBe('dingtalk.permission_denied');
    expect(error.details).toMatchObject({ permission: 'qyapi_get_department_member', subCode: '60011', api: 'topapi/v2/user/list' });
    expect(fake.to('topapi/v2/user/list')).toHaveLength(1);
  });

  it('times out an attempt that does not answer', async () => {
    const { client } = clientOn({ 'topapi/user/count': hanging() }, { timeoutMs: 20, retry: { maxAttempts: 1 } });
    const error = await failure(client.users.count(false));
    expect(error.code).toBe('dingtalk.timeout');
    expect(client.stats().byOutcome).toMatchObject({ 'dingtalk.timeout': 1 });
  });

  it('rejects with the caller reason when the caller aborts, and does not retry', async () => {
    const { client, fake } = clientOn({ 'topapi/user/count': hanging() });
    const controller = new AbortController();
    const pending = client.users.count(false, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('shutting down')), 5);
    await expect(pending).rejects.toThrow('shutting down');
    expect(isDingTalkError(await pending.catch((e: unknown) => e))).toBe(false);
    expect(fake.to('topapi/user/count')).toHaveLength(1);
  });

  it('retries a refused connection, even for a create (nothing was sent)', async () => {
    let attempts = 0;
    const refusing: typeof fetch = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : input.toString());
      if (url.pathname === '/v1.0/oauth2/accessToken') return Promise.resolve(Response.json({ accessToken: 't', expireIn: 7200 }));
      if (++attempts === 1) {
        const cause = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
        return Promise.reject(Object.assign(new TypeError('fetch failed'), { cause }));
      }
      expect(init?.method).toBe('POST');
      return Promise.resolve(Response.json({ errcode: 0, result: { userid: 'x', unionId: 'y' } }));
    };
    const client = createDingTalkClient({ credentials, fetch: refusing, rateLimit: { qps: 0 }, retry: { baseDelayMs: 0 } });
    expect(await client.users.create({ name: 'A', mobile: '1', dept_id_list: [1] })).toEqual({ userid: 'x', unionId: 'y' });
    expect(client.stats().byOutcome).toMatchObject({ 'dingtalk.unavailable': 1, ok: 2 });
  });

  it('ignores an onCall listener that throws', async () => {
    const { client } = clientOn(
      { 'topapi/user/count': () => ok({ count: 2 }) },
      {
        onCall: () => {
          throw new Error('metrics down');
        },
      },
    );
    expect(await client.users.count(false)).toBe(2);
  });
});

describe('login calls (§10)', () => {
  it('builds the authorize URL on the login host', () => {
    const { client } = clientOn({});
    const url = new URL(client.oauth.authorizeUrl({ redirectUri: 'https://sso.example.com/cb?x=1', state: 's 1', scope: 'openid corpid' }));
    expect(url.origin + url.pathname).toBe('http://127.0.0.1:9/oauth2/auth');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      redirect_uri: 'https://sso.example.com/cb?x=1',
      response_type: 'code',
      client_id: 'dingappkey',
      scope: 'openid corpid',
      state: 's 1',
      prompt: 'consent',
    });
    expect(url.search).toContain('scope=openid%20corpid');
  });

  it('exchanges a code, then asks who it is with the user token in the header', async () => {
    const { client, fake } = clientOn({
      'v1.0/oauth2/userAccessToken': () => ({ body: { accessToken: 'user-tok', refreshToken: 'r', expireIn: 7200, corpId: 'ding1' } }),
      'v1.0/contact/users/me': () => ({ body: { nick: 'Ann', unionId: 'un1', openId: 'o1' } }),
    });
    const token = await client.oauth.userAccessToken({ code: 'c0de' });
    expect(token.accessToken).toBe('user-tok');
    expect(fake.to('v1.0/oauth2/userAccessToken')[0]!.body).toEqual({
      clientId: 'dingappkey',
      clientSecret: 'app-secret-value',
      code: 'c0de',
      grantType: 'authorization_code',
    });
    expect(await client.oauth.me('user-tok')).toMatchObject({ unionId: 'un1' });
    const me = fake.to('v1.0/contact/users/me')[0]!;
    expect(me).toMatchObject({ method: 'GET', headers: { 'x-acs-dingtalk-access-token': 'user-tok' } });
    expect(me.query).toEqual({});
    expect(fake.to('v1.0/oauth2/accessToken')).toHaveLength(0); // no app token needed for either
  });

  it('does not refresh the app token when a user token is rejected', async () => {
    const { client, fake } = clientOn({
      'v1.0/contact/users/me': () => ({ status: 400, body: { code: 'InvalidAuthentication', message: '不合法的access_token', requestid: 'r' } }),
    });
    expect((await failure(client.oauth.me('stale'))).code).toBe('dingtalk.invalid_token');
    expect(fake.to('v1.0/contact/users/me')).toHaveLength(1);
    expect(fake.to('v1.0/oauth2/accessToken')).toHaveLength(0);
  });

  it('maps a used workbench code to invalid_auth_code without retrying (§10.3)', async () => {
    const { client, fake } = clientOn({
      'topapi/v2/user/getuserinfo': () => ({ body: { errcode: 40078, errmsg: '不存在的临时授权码' } }),
    });
    expect((await failure(client.users.getUserInfoByCode('used'))).code).toBe('dingtalk.invalid_auth_code');
    expect(fake.to('topapi/v2/user/getuserinfo')).toHaveLength(1);
  });
});
