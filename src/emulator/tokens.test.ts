import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testEmulator, type TestEmulator } from './emulator-testing.ts';

let emulator: TestEmulator;
beforeEach(async () => {
  emulator = await testEmulator({ seed: 'tokens', users: 50 });
});
afterEach(async () => emulator.close());

const HOUR = 3_600_000;

async function gettoken(): Promise<Record<string, unknown>> {
  return (await emulator.request('GET', `/gettoken?appkey=${emulator.appKey}&appsecret=${emulator.appSecret}`)).body;
}

async function accessToken(): Promise<Record<string, unknown>> {
  return (await emulator.request('POST', '/v1.0/oauth2/accessToken', { appKey: emulator.appKey, appSecret: emulator.appSecret })).body;
}

async function usable(token: string): Promise<unknown> {
  return (await emulator.oapi('/topapi/user/count', { only_active: false }, { token })).body.errcode;
}

describe('token lifetime (§1.4)', () => {
  it('returns the same token while valid, extending it to a full 7200 s each time', async () => {
    const first = await gettoken();
    expect(first).toMatchObject({ errcode: 0, expires_in: 7200 });
    emulator.clock.advance(1.5 * HOUR);
    const second = await gettoken();
    expect(second).toMatchObject({ access_token: first.access_token, expires_in: 7200 });
    // 1.5 h + 1.5 h: past the first lifetime, but the second request extended it.
    emulator.clock.advance(1.5 * HOUR);
    expect(await usable(first.access_token as string)).toBe(0);
  });

  it('issues a new token after expiry and refuses the old one on both families', async () => {
    const old = (await gettoken()).access_token as string;
    emulator.clock.advance(2 * HOUR);
    expect(await emulator.oapi('/topapi/user/count', { only_active: false }, { token: old })).toMatchObject({
      body: { errcode: 88, sub_code: '40014' },
    });
    const api = await emulator.request('GET', '/v1.0/contact/x', undefined, { 'x-acs-dingtalk-access-token': old });
    expect(api).toMatchObject({ status: 400, body: { code: 'InvalidAuthentication', message: '不合法的access_token' } });
    const fresh = await gettoken();
    expect(fresh.access_token).not.toBe(old);
    expect(await usable(fresh.access_token as string)).toBe(0);
  });

  it('shares one token between the families: an api token works on oapi and the reverse', async () => {
    const api = await accessToken();
    expect(api).toEqual({ accessToken: expect.any(String), expireIn: 7200 });
    expect((await gettoken()).access_token).toBe(api.accessToken);
    expect(await usable(api.accessToken as string)).toBe(0);
    const reply = await emulator.request('GET', '/v1.0/contact/x', undefined, { 'x-acs-dingtalk-access-token': api.accessToken as string });
    expect(reply.body.code).toBe('InvalidAction.NotFound');
  });
});

describe('/v1.0/oauth2/accessToken (§1.3)', () => {
  it('refuses wrong credentials with 400 invalidClientIdOrSecret and a requestid', async () => {
    const reply = await emulator.request('POST', '/v1.0/oauth2/accessToken', { appKey: emulator.appKey, appSecret: 'nope' });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ code: 'invalidClientIdOrSecret', message: '无效的clientId或者clientSecret', requestid: expect.any(String) });
  });

  it('wants JSON: a form body is a missing body', async () => {
    const reply = await emulator.request('POST', '/v1.0/oauth2/accessToken', `appKey=${emulator.appKey}&appSecret=${emulator.appSecret}`, {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(reply).toMatchObject({ status: 400, body: { code: 'Missingbody' } });
  });

  it('takes the token only from the header on the api family', async () => {
    const token = (await accessToken()).accessToken as string;
    const query = await emulator.request('GET', `/v1.0/contact/x?access_token=${token}`);
    expect(query).toMatchObject({ status: 400, body: { code: 'AuthenticationFailed.MissingParameter' } });
    const bearer = await emulator.request('GET', '/v1.0/contact/x', undefined, { authorization: `Bearer ${token}` });
    expect(bearer.body.code).toBe('AuthenticationFailed.MissingParameter');
  });
});

describe('/v1.0/oauth2/{corpId}/token (§1.3)', () => {
  const credentials = () => ({ client_id: emulator.appKey, client_secret: emulator.appSecret, grant_type: 'client_credentials' });

  it('issues the app token in snake_case for the right corpId', async () => {
    const reply = await emulator.request('POST', `/v1.0/oauth2/${emulator.context.corpId}/token`, credentials());
    expect(reply).toMatchObject({ status: 200, body: { access_token: (await gettoken()).access_token, expires_in: 7200 } });
  });

  it('answers a bad grant, bad credentials and a foreign corpId with their codes', async () => {
    const url = `/v1.0/oauth2/${emulator.context.corpId}/token`;
    expect((await emulator.request('POST', url, { ...credentials(), grant_type: 'password' })).body.code).toBe('unsupported.grant.type');
    expect((await emulator.request('POST', url, { ...credentials(), client_secret: 'x' })).body.code).toBe('invalid.client');
    const foreign = await emulator.request('POST', '/v1.0/oauth2/dingother/token', credentials());
    expect(foreign).toMatchObject({ status: 401, body: { code: 'unauthorized.client' } });
  });
});
