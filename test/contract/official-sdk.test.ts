/**
 * Contract, part 3: DingTalk's official TypeScript SDK (`@alicloud/dingtalk`) pointed at the emulator as
 * dingtalk-api.md §12 says (`Config({ endpoint, protocol: 'http' })`), over loopback HTTP.
 */
import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import type * as OpenApiModule from '@alicloud/openapi-client';
import type * as OAuthModule from '@alicloud/dingtalk/dist/oauth2_1_0/client.js';
import { useEmulator } from '../support/emulator.ts';

// The SDK is CommonJS without an `exports` map; require() gives the same module under Node and under vitest.
const require = createRequire(import.meta.url);
const $OpenApi = require('@alicloud/openapi-client') as typeof OpenApiModule;
// Under `nodenext` a type-only namespace import of CommonJS puts module.exports on `default`: that is what require() returns.
const $oauth = require('@alicloud/dingtalk/dist/oauth2_1_0/client.js') as typeof OAuthModule.default;
const OAuthClient = $oauth.default;

const emulator = useEmulator({ seed: 'sdk', users: 50 });

function sdk(): InstanceType<typeof OAuthClient> {
  const { host } = new URL(emulator.url);
  return new OAuthClient(new $OpenApi.Config({ endpoint: host, protocol: 'http' }));
}

describe('@alicloud/dingtalk against the emulator', () => {
  it('gets an app token, and the same one again while it is valid', async () => {
    const client = sdk();
    const request = new $oauth.GetAccessTokenRequest({ appKey: emulator.appKey, appSecret: emulator.appSecret });
    const first = await client.getAccessToken(request);
    expect(first.statusCode).toBe(200);
    expect(first.body?.accessToken).toEqual(expect.any(String));
    expect(first.body?.expireIn).toBe(7200);
    const second = await client.getAccessToken(request);
    expect(second.body?.accessToken).toBe(first.body?.accessToken);
  });

  it('surfaces a wrong secret as the SDK error invalidClientIdOrSecret', async () => {
    const request = new $oauth.GetAccessTokenRequest({ appKey: emulator.appKey, appSecret: 'not-the-secret' });
    const error = await sdk().getAccessToken(request).then(
      () => expect.fail('a wrong secret must fail'),
      (e: unknown) => e as { code?: string; statusCode?: number; data?: { statusCode?: number } },
    );
    expect(error.code).toBe('invalidClientIdOrSecret');
  });
});
