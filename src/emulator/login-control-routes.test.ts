import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEmulator, type Reply, type TestEmulator } from './emulator-testing.ts';

let emulator: TestEmulator;
beforeAll(async () => {
  emulator = await testEmulator({ seed: 'login-control', users: 40 });
});
afterAll(async () => emulator.close());

function activeUserid(): string {
  return [...emulator.context.org.users()].find((u) => u.active)!.userid;
}

function expectControlError(reply: Reply, status: number, code: string): void {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.body).toMatchObject({ code, message: expect.any(String) });
}

describe('login control routes', () => {
  it('POST /_emulator/oauth/code validates its body', async () => {
    const post = (body: unknown): Promise<Reply> => emulator.request('POST', '/_emulator/oauth/code', body);
    const userid = activeUserid();
    expectControlError(await post({ userid }), 400, 'emulator.invalid_body');
    expectControlError(await post({ clientId: emulator.appKey }), 400, 'emulator.invalid_body');
    expectControlError(await post({ clientId: emulator.appKey, userid, stranger: true }), 400, 'emulator.invalid_body');
    expectControlError(await post({ clientId: emulator.appKey, userid, scope: 'email' }), 400, 'emulator.invalid_body');
    expectControlError(await post({ clientId: emulator.appKey, userid, extra: 1 }), 400, 'emulator.invalid_body');
    expectControlError(await post({ clientId: 'dingnobody', userid }), 404, 'emulator.app_not_found');
    expectControlError(await post({ clientId: emulator.appKey, userid: 'nobody' }), 404, 'emulator.user_not_found');
    expectControlError(await post({ clientId: emulator.appKey, stranger: 'nobody' }), 404, 'emulator.stranger_not_found');
    const inactive = [...emulator.context.org.users()].find((u) => !u.active)!;
    expectControlError(await post({ clientId: emulator.appKey, userid: inactive.userid }), 409, 'emulator.user_inactive');
    expect((await post({ clientId: emulator.appKey, userid })).body).toEqual({
      authCode: expect.stringMatching(/^[0-9a-f]{32}$/),
      expiresIn: 300,
      unionid: emulator.context.org.user(userid)!.unionid,
      userid,
    });
  });

  it('POST /_emulator/workbench/code validates its body', async () => {
    const post = (body: unknown): Promise<Reply> => emulator.request('POST', '/_emulator/workbench/code', body);
    expectControlError(await post({}), 400, 'emulator.invalid_body');
    expectControlError(await post({ userid: activeUserid(), clientId: 'dingnobody' }), 404, 'emulator.app_not_found');
    expectControlError(await post({ userid: 'nobody' }), 404, 'emulator.user_not_found');
    expect((await post({ userid: activeUserid() })).body).toMatchObject({ authCode: expect.any(String), expiresIn: 300, userid: activeUserid() });
  });

  it('GET /_emulator/oauth/strangers lists people who are not members', async () => {
    const { strangers } = (await emulator.request('GET', '/_emulator/oauth/strangers')).body as { strangers: { unionid: string; nick: string; corpId: string }[] };
    expect(strangers).toHaveLength(3);
    for (const stranger of strangers) {
      expect(stranger.unionid).toMatch(/^[A-Za-z0-9]{22}iEiE$/);
      expect(stranger.corpId).not.toBe(emulator.context.corpId);
      expect(emulator.context.org.userByUnionid(stranger.unionid)).toBeUndefined();
    }
  });

  it('GET|PUT /_emulator/apps/:appKey/login sets and clears the allowed redirect URLs', async () => {
    const path = `/_emulator/apps/${emulator.appKey}/login`;
    expect((await emulator.request('GET', path)).body).toEqual({ appKey: emulator.appKey, redirectUris: null });
    expectControlError(await emulator.request('PUT', path, { redirectUris: ['javascript:alert(1)'] }), 400, 'emulator.invalid_body');
    expectControlError(await emulator.request('PUT', path, { redirectUris: ['https://a.example/cb#x'] }), 400, 'emulator.invalid_body');
    expectControlError(await emulator.request('PUT', path, {}), 400, 'emulator.invalid_body');
    expectControlError(await emulator.request('PUT', '/_emulator/apps/dingnobody/login', { redirectUris: null }), 404, 'emulator.app_not_found');
    await emulator.request('PUT', path, { redirectUris: ['https://a.example/cb'] });
    expect((await emulator.request('GET', path)).body).toEqual({ appKey: emulator.appKey, redirectUris: ['https://a.example/cb'] });
    await emulator.request('PUT', path, { redirectUris: null });
    expect((await emulator.request('GET', path)).body.redirectUris).toBeNull();
  });

  it('POST /_emulator/reset forgets codes, user tokens and redirect URLs', async () => {
    const path = `/_emulator/apps/${emulator.appKey}/login`;
    await emulator.request('PUT', path, { redirectUris: ['https://a.example/cb'] });
    const code = (await emulator.request('POST', '/_emulator/oauth/code', { clientId: emulator.appKey, userid: activeUserid() })).body.authCode;
    const workbench = (await emulator.request('POST', '/_emulator/workbench/code', { userid: activeUserid() })).body.authCode;
    expect((await emulator.request('POST', '/_emulator/reset', {})).status).toBe(200);
    expect((await emulator.request('GET', path)).body.redirectUris).toBeNull();
    const exchange = await emulator.request('POST', '/v1.0/oauth2/userAccessToken', {
      clientId: emulator.appKey,
      clientSecret: emulator.appSecret,
      code,
      grantType: 'authorization_code',
    });
    expect(exchange.body.code).toBe('invalidParameter.authCode.notFound');
    expect((await emulator.oapi('/topapi/v2/user/getuserinfo', { code: workbench })).body.errcode).toBe(40078);
  });
});

describe('garbage input on the login routes', () => {
  const VALUES: unknown[] = [null, true, -1, 1e308, '', 'x'.repeat(70_000), [], [1, 'a'], {}, { __proto__: { polluted: true } }, '\u0000\uffff', '<script>'];
  const FIELDS = ['clientId', 'clientSecret', 'code', 'grantType', 'refreshToken', 'userid', 'stranger', 'cancel', 'client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'redirectUris'];
  const BODIES: { text: string; type: string }[] = [
    ...VALUES.map((value) => ({ text: JSON.stringify(Object.fromEntries(FIELDS.map((f) => [f, value]))), type: 'application/json' })),
    ...['{', '[1,2]', '"text"', 'null', '\u0000'].map((text) => ({ text, type: 'application/json' })),
    { text: 'client_id=1&client_id=2&redirect_uri[]=x&userid=&__proto__[a]=1&cancel', type: 'application/x-www-form-urlencoded' },
    { text: '%E4%zz=%%%&=&&', type: 'application/x-www-form-urlencoded' },
    { text: '<xml/>', type: 'text/xml' },
  ];
  const PATHS = [
    '/oauth2/auth',
    '/v1.0/oauth2/userAccessToken',
    '/v1.0/contact/users/me',
    '/topapi/v2/user/getuserinfo',
    '/user/getuserinfo',
    '/_emulator/oauth/code',
    '/_emulator/workbench/code',
    `/_emulator/apps/${'x'}/login`,
  ];

  it('never answers 500 or leaks a stack', async () => {
    const token = await emulator.token();
    for (const path of PATHS) {
      for (const method of ['GET', 'POST', 'PUT']) {
        for (const { text, type } of BODIES) {
          const label = `${method} ${path} ${text.slice(0, 40)}`;
          const reply = await emulator.request(method, `${path}?access_token=${token}`, method === 'GET' ? undefined : text, method === 'GET' ? {} : { 'content-type': type });
          expect(reply.status, label).toBeLessThan(500);
          expect(reply.text, label).not.toMatch(/\bat \S+ \(|node_modules/);
        }
      }
    }
    const odd = [
      '/oauth2/auth?client_id[]=x&redirect_uri={}&state=' + '%'.repeat(3),
      `/oauth2/auth?state=${'s'.repeat(5000)}&client_id=${emulator.appKey}&redirect_uri=http://127.0.0.1/cb&response_type=code&scope=openid`,
      `/oauth2/auth?q=${'%E4%BD%A0'.repeat(200)}`,
      `/v1.0/contact/users/${'x'.repeat(5000)}`,
      '/v1.0/contact/users/%00',
    ];
    for (const url of odd) {
      const reply = await emulator.request('GET', url, undefined, { 'x-acs-dingtalk-access-token': token });
      expect(reply.status, url).toBeLessThan(500);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 60_000);
});
