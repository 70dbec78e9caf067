/**
 * DingTalk login (§10.1 steps 3–5) with the official TypeScript SDK (`@alicloud/dingtalk`) pointed at the emulator
 * as §12 says (`Config({ endpoint, protocol: 'http' })`), over loopback HTTP: code → user token → `contact/users/me`
 * → `topapi/user/getbyunionid`, as Casdoor and Logto do it.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type * as OpenApiModule from '@alicloud/openapi-client';
import type * as OAuthModule from '@alicloud/dingtalk/dist/oauth2_1_0/client.js';
import type * as ContactModule from '@alicloud/dingtalk/dist/contact_1_0/client.js';
import type * as TeaUtilModule from '@alicloud/tea-util';
import { useEmulator } from '../support/emulator.ts';

// CommonJS without an `exports` map: require() gives `module.exports`, which is what `typeof X.default` names
// under `module: nodenext` (the namespace's `default` is the CommonJS export object).
const require = createRequire(import.meta.url);
const $OpenApi = require('@alicloud/openapi-client') as typeof OpenApiModule;
const $oauth = require('@alicloud/dingtalk/dist/oauth2_1_0/client.js') as typeof OAuthModule.default;
const $contact = require('@alicloud/dingtalk/dist/contact_1_0/client.js') as typeof ContactModule.default;
// The SDK's own dependency, as DingTalk's samples use it: `getUser(unionId)` takes no token, the WithOptions form does.
const $Util = require('@alicloud/tea-util') as typeof TeaUtilModule.default;

const emulator = useEmulator({ seed: 'sdk-login', users: 80 });

function config(): OpenApiModule.Config {
  return new $OpenApi.Config({ endpoint: new URL(emulator.url).host, protocol: 'http' });
}

/** `GET /v1.0/contact/users/me` with a token in `x-acs-dingtalk-access-token` (§10.1 step 4). */
function readMe(accessToken: string | undefined): Promise<ContactModule.GetUserResponse> {
  const headers = new $contact.GetUserHeaders({ xAcsDingtalkAccessToken: accessToken });
  return new $contact.default(config()).getUserWithOptions('me', headers, new $Util.RuntimeOptions({}));
}

interface SdkError {
  code?: string;
  statusCode?: number;
}

async function sdkError(promise: Promise<unknown>): Promise<SdkError> {
  return promise.then(
    () => expect.fail('the call must fail'),
    (error: unknown) => error as SdkError,
  );
}

interface OrgDump {
  users: { userid: string; unionid: string; name: string; active: boolean }[];
}

async function someMember(): Promise<OrgDump['users'][number]> {
  const org = await emulator.control<OrgDump>('GET', '/org');
  return org.users.find((u) => u.active)!;
}

describe('login with @alicloud/dingtalk against the emulator', () => {
  it('exchanges a code once for a user token and reads contact/users/me with it', async () => {
    const person = await someMember();
    const { authCode } = await emulator.control<{ authCode: string }>('POST', '/oauth/code', { clientId: emulator.appKey, userid: person.userid });
    const oauth = new $oauth.default(config());
    const request = new $oauth.GetUserTokenRequest({
      clientId: emulator.appKey,
      clientSecret: emulator.appSecret,
      code: authCode,
      grantType: 'authorization_code',
    });
    const token = await oauth.getUserToken(request);
    expect(token.statusCode).toBe(200);
    expect(token.body?.expireIn).toBe(7200);
    expect(token.body?.corpId).toBe(emulator.corpId);
    expect(token.body?.refreshToken).toEqual(expect.any(String));

    const reused = await sdkError(oauth.getUserToken(request));
    expect(reused.code).toBe('invalidParameter.authCode.notFound');
    expect(reused.statusCode).toBe(400);

    const me = await readMe(token.body?.accessToken);
    expect(me.statusCode).toBe(200);
    expect(me.body?.unionId).toBe(person.unionid);
    expect(me.body?.nick).toBe(person.name);
    expect(me.body?.openId).toEqual(expect.any(String));
  });

  it('refreshes the user token through the SDK', async () => {
    const person = await someMember();
    const { authCode } = await emulator.control<{ authCode: string }>('POST', '/oauth/code', { clientId: emulator.appKey, userid: person.userid });
    const oauth = new $oauth.default(config());
    const first = await oauth.getUserToken(
      new $oauth.GetUserTokenRequest({ clientId: emulator.appKey, clientSecret: emulator.appSecret, code: authCode, grantType: 'authorization_code' }),
    );
    const refreshed = await oauth.getUserToken(
      new $oauth.GetUserTokenRequest({
        clientId: emulator.appKey,
        clientSecret: emulator.appSecret,
        refreshToken: first.body?.refreshToken,
        grantType: 'refresh_token',
      }),
    );
    expect(refreshed.body?.accessToken).not.toBe(first.body?.accessToken);
  });

  it('maps a stranger: the token works, but getbyunionid answers 60121', async () => {
    const { authCode, unionid } = await emulator.control<{ authCode: string; unionid: string }>('POST', '/oauth/code', {
      clientId: emulator.appKey,
      stranger: true,
    });
    const oauth = new $oauth.default(config());
    const token = await oauth.getUserToken(
      new $oauth.GetUserTokenRequest({ clientId: emulator.appKey, clientSecret: emulator.appSecret, code: authCode, grantType: 'authorization_code' }),
    );
    const appToken = await oauth.getAccessToken(new $oauth.GetAccessTokenRequest({ appKey: emulator.appKey, appSecret: emulator.appSecret }));
    const me = await readMe(token.body?.accessToken);
    expect(me.body?.unionId).toBe(unionid);
    const response = await emulator.fetch(`/topapi/user/getbyunionid?access_token=${appToken.body?.accessToken}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ unionid }),
    });
    expect(await response.json()).toMatchObject({ errcode: 60121 });
  });

  it('refuses an app token on contact/users/me', async () => {
    const oauth = new $oauth.default(config());
    const appToken = await oauth.getAccessToken(new $oauth.GetAccessTokenRequest({ appKey: emulator.appKey, appSecret: emulator.appSecret }));
    const error = await sdkError(readMe(appToken.body?.accessToken));
    expect(error.code).toBe('Forbidden.AccessDenied.AccessTokenPermissionDenied');
  });
});
