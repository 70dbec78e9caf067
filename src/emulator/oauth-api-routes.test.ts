import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testEmulator, type Reply, type TestEmulator } from './emulator-testing.ts';
import type { OrgUser } from './org-types.ts';

let emulator: TestEmulator;
let other: { appKey: string; appSecret: string };
beforeEach(async () => {
  emulator = await testEmulator({ seed: 'oauth-api', users: 60 });
  other = (await emulator.request('POST', '/_emulator/apps', {})).body as typeof other;
});
afterEach(async () => emulator.close());

const MINUTE = 60_000;
const DAY = 86_400_000;
const TOKEN_HEADER = 'x-acs-dingtalk-access-token';

function member(index = 0): OrgUser {
  return [...emulator.context.org.users()].filter((u) => u.active)[index]!;
}

async function authCode(body: Record<string, unknown>): Promise<string> {
  const reply = await emulator.request('POST', '/_emulator/oauth/code', { clientId: emulator.appKey, ...body });
  expect(reply.status, reply.text).toBe(200);
  return String(reply.body.authCode);
}

function exchange(fields: Record<string, unknown>): Promise<Reply> {
  return emulator.request('POST', '/v1.0/oauth2/userAccessToken', {
    clientId: emulator.appKey,
    clientSecret: emulator.appSecret,
    grantType: 'authorization_code',
    ...fields,
  });
}

function contact(token: string | undefined, unionId = 'me'): Promise<Reply> {
  return emulator.request('GET', `/v1.0/contact/users/${unionId}`, undefined, token === undefined ? {} : { [TOKEN_HEADER]: token });
}

function expectApiError(reply: Reply, status: number, code: string): void {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.body).toEqual({ code, message: expect.any(String), requestid: expect.stringMatching(/^[0-9A-F-]{36}$/) });
}

describe('POST /v1.0/oauth2/userAccessToken (§10.1 step 3)', () => {
  it('exchanges a code once for {accessToken, refreshToken, expireIn: 7200, corpId}', async () => {
    const code = await authCode({ userid: member().userid });
    const first = await exchange({ code });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      accessToken: expect.stringMatching(/^[0-9a-f]{32}$/),
      refreshToken: expect.stringMatching(/^[0-9a-f]{32}$/),
      expireIn: 7200,
      corpId: emulator.context.corpId,
    });
    expectApiError(await exchange({ code }), 400, 'invalidParameter.authCode.notFound');
  });

  it('leaves corpId out with scope openid alone', async () => {
    const reply = await exchange({ code: await authCode({ userid: member().userid, scope: 'openid' }) });
    expect(reply.status).toBe(200);
    expect(reply.body).not.toHaveProperty('corpId');
  });

  it('refuses a code after 5 minutes as expired, and keeps refusing it', async () => {
    const code = await authCode({ userid: member().userid });
    emulator.clock.advance(5 * MINUTE);
    expectApiError(await exchange({ code }), 400, 'invalidParameter.authCode.expired');
    expectApiError(await exchange({ code }), 400, 'invalidParameter.authCode.expired');
  });

  it('accepts a code just before 5 minutes', async () => {
    const code = await authCode({ userid: member().userid });
    emulator.clock.advance(5 * MINUTE - 1);
    expect((await exchange({ code })).status).toBe(200);
  });

  it('refuses a code issued to another app, without spending it for its own app', async () => {
    const code = await authCode({ userid: member().userid });
    expectApiError(await exchange({ code, clientId: other.appKey, clientSecret: other.appSecret }), 400, 'invalidParameter.authCode.notFound');
    expect((await exchange({ code })).status).toBe(200);
  });

  it('refuses a wrong client secret and an unknown client with invalidClientIdOrSecret', async () => {
    const code = await authCode({ userid: member().userid });
    expectApiError(await exchange({ code, clientSecret: 'wrong' }), 400, 'invalidClientIdOrSecret');
    expectApiError(await exchange({ code, clientId: 'dingnobody' }), 400, 'invalidClientIdOrSecret');
    expect((await exchange({ code })).status).toBe(200);
  });

  it('names missing fields, an unknown grant type and a non-JSON body', async () => {
    expectApiError(await exchange({ code: undefined }), 400, 'Missingcode');
    expectApiError(await exchange({ clientSecret: undefined, code: 'x' }), 400, 'MissingclientSecret');
    expectApiError(await exchange({ grantType: '' }), 400, 'MissinggrantType');
    expectApiError(await exchange({ grantType: 'client_credentials', code: 'x' }), 400, 'invalidParameter.grantType.notSupported');
    expectApiError(await exchange({ code: { nested: true } }), 400, 'invalidParameter');
    expectApiError(await exchange({ grantType: 'refresh_token' }), 400, 'MissingrefreshToken');
    const form = await emulator.request('POST', '/v1.0/oauth2/userAccessToken', `clientId=${emulator.appKey}`, {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expectApiError(form, 400, 'Missingbody');
  });

  it('refreshes: a new user token and a new refresh token; the old refresh token is spent', async () => {
    const first = (await exchange({ code: await authCode({ userid: member(3).userid }) })).body;
    emulator.clock.advance(3 * 3_600_000);
    expectApiError(await contact(String(first.accessToken)), 400, 'InvalidAuthentication');
    const refreshed = await exchange({ grantType: 'refresh_token', refreshToken: first.refreshToken });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({ expireIn: 7200, corpId: emulator.context.corpId });
    expect(refreshed.body.accessToken).not.toBe(first.accessToken);
    expect(refreshed.body.refreshToken).not.toBe(first.refreshToken);
    expect((await contact(String(refreshed.body.accessToken))).body.unionId).toBe(member(3).unionid);
    expectApiError(await exchange({ grantType: 'refresh_token', refreshToken: first.refreshToken }), 400, 'invalidParameter.refreshToken.notFound');
  });

  it('refuses a refresh token after 30 days, and one of another app', async () => {
    const tokens = (await exchange({ code: await authCode({ userid: member().userid }) })).body;
    expectApiError(
      await exchange({ grantType: 'refresh_token', refreshToken: tokens.refreshToken, clientId: other.appKey, clientSecret: other.appSecret }),
      400,
      'invalidParameter.refreshToken.notFound',
    );
    emulator.clock.advance(30 * DAY);
    expectApiError(await exchange({ grantType: 'refresh_token', refreshToken: tokens.refreshToken }), 400, 'invalidParameter.refreshToken.expired');
  });

  it('is counted, and throttled like any api call', async () => {
    await exchange({ code: 'nothing' });
    expect((await emulator.request('GET', '/_emulator/calls')).body.byApi).toMatchObject({ 'v1.0/oauth2/userAccessToken': 1 });
    await emulator.request('PUT', '/_emulator/faults', { throttle: { api: 'v1.0/oauth2/userAccessToken', count: 1 } });
    expectApiError(await exchange({ code: 'nothing' }), 403, 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi');
  });
});

describe('GET /v1.0/contact/users/{unionId} (§10.1 step 4)', () => {
  async function userToken(body: Record<string, unknown>): Promise<string> {
    return String((await exchange({ code: await authCode(body) })).body.accessToken);
  }

  it('answers me with the person, without userid, optional fields absent when empty', async () => {
    const user = member(2);
    user.email = undefined;
    user.avatar = undefined;
    const reply = await contact(await userToken({ userid: user.userid }));
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      nick: user.name,
      mobile: user.mobile,
      openId: expect.stringMatching(/^[A-Za-z0-9]{22}iEiE$/),
      unionId: user.unionid,
      stateCode: '86',
    });
  });

  it('answers the token’s own unionId like me; the openId differs per app', async () => {
    const user = member(4);
    const mine = await contact(await userToken({ userid: user.userid }), user.unionid);
    expect(mine.body.unionId).toBe(user.unionid);
    const otherApp = await emulator.request('POST', '/_emulator/oauth/code', { clientId: other.appKey, userid: user.userid });
    const otherToken = await emulator.request('POST', '/v1.0/oauth2/userAccessToken', {
      clientId: other.appKey,
      clientSecret: other.appSecret,
      code: otherApp.body.authCode,
      grantType: 'authorization_code',
    });
    const viaOther = await contact(String(otherToken.body.accessToken));
    expect(viaOther.body.unionId).toBe(user.unionid);
    expect(viaOther.body.openId).not.toBe(mine.body.openId);
  });

  it('leaves mobile and stateCode out without the fieldMobile permission', async () => {
    await emulator.request('PUT', `/_emulator/apps/${emulator.appKey}/permissions`, { revoked: ['fieldMobile'] });
    const reply = await contact(await userToken({ userid: member().userid }));
    expect(reply.body).not.toHaveProperty('mobile');
    expect(reply.body).not.toHaveProperty('stateCode');
  });

  it('refuses an app token with 403 AccessTokenPermissionDenied, a missing one and a bad one like the gateway', async () => {
    const appToken = String((await emulator.request('POST', '/v1.0/oauth2/accessToken', { appKey: emulator.appKey, appSecret: emulator.appSecret })).body.accessToken);
    expectApiError(await contact(appToken), 403, 'Forbidden.AccessDenied.AccessTokenPermissionDenied');
    expectApiError(await contact(undefined), 400, 'AuthenticationFailed.MissingParameter');
    expectApiError(await contact('0123456789abcdef0123456789abcdef'), 400, 'InvalidAuthentication');
  });

  it('refuses a user token on another person (403) and on an unknown unionId (404)', async () => {
    const token = await userToken({ userid: member(0).userid });
    expectApiError(await contact(token, member(1).unionid), 403, 'Forbidden.AccessDenied.AccessTokenPermissionDenied');
    expectApiError(await contact(token, 'nobodyiEiE'), 404, 'invalidParameter.user.notFound');
  });

  it('expires the user token after 7200 s', async () => {
    const token = await userToken({ userid: member().userid });
    emulator.clock.advance(7200_000 - 1);
    expect((await contact(token)).status).toBe(200);
    emulator.clock.advance(1);
    expectApiError(await contact(token), 400, 'InvalidAuthentication');
  });

  it('shows a member’s current profile, and the login snapshot once they have left', async () => {
    const user = member(6);
    const loggedInAs = user.name;
    const token = await userToken({ userid: user.userid });
    expect((await emulator.oapi('/topapi/v2/user/update', { userid: user.userid, name: '新名字' })).body.errcode).toBe(0);
    expect((await contact(token)).body.nick).toBe('新名字');
    expect((await emulator.oapi('/topapi/v2/user/delete', { userid: user.userid })).body.errcode).toBe(0);
    expect((await contact(token)).body).toMatchObject({ nick: loggedInAs, unionId: user.unionid });
  });

  it('a user token is not an app token: oapi refuses it', async () => {
    const token = await userToken({ userid: member().userid });
    expect((await emulator.oapi('/topapi/user/count', { only_active: false }, { token })).body).toMatchObject({ errcode: 88, sub_code: '40014' });
  });
});

describe('strangers (not members of the organization)', () => {
  it('log in through the control API; getbyunionid answers their unionid with 60121', async () => {
    const strangers = (await emulator.request('GET', '/_emulator/oauth/strangers')).body.strangers as { unionid: string; corpId: string }[];
    expect(strangers.length).toBeGreaterThan(0);
    const issued = await emulator.request('POST', '/_emulator/oauth/code', { clientId: emulator.appKey, stranger: true });
    expect(issued.body).toMatchObject({ unionid: strangers[0]!.unionid, expiresIn: 300 });
    expect(issued.body).not.toHaveProperty('userid');
    const tokens = (await exchange({ code: issued.body.authCode })).body;
    expect(tokens.corpId).toBe(strangers[0]!.corpId);
    const me = await contact(String(tokens.accessToken));
    expect(me.body.unionId).toBe(strangers[0]!.unionid);
    expect(emulator.context.org.userByUnionid(strangers[0]!.unionid)).toBeUndefined();
    expect((await emulator.oapi('/topapi/user/getbyunionid', { unionid: me.body.unionId })).body).toMatchObject({ errcode: 60121, errmsg: '找不到该用户' });
  });

  it('pick one by unionid', async () => {
    const stranger = emulator.context.login.strangers[2]!;
    const issued = await emulator.request('POST', '/_emulator/oauth/code', { clientId: emulator.appKey, stranger: stranger.unionid });
    expect(issued.body.unionid).toBe(stranger.unionid);
  });

  it('are the same for the same seed', async () => {
    const again = await testEmulator({ seed: 'oauth-api', users: 10 });
    expect(again.context.login.strangers).toEqual(emulator.context.login.strangers);
    await again.close();
  });
});
