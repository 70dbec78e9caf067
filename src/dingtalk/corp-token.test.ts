import { describe, expect, it } from 'vitest';
import { createDingTalkClient } from './dingtalk-client.ts';
import { isDingTalkError } from './dingtalk-errors.ts';
import { fakeFetch, sequence, type Route } from './fake-fetch.test-support.ts';

const credentials = { appKey: 'dingappkey', appSecret: 'app-secret-value' };

function clientOn(route: Route) {
  const fake = fakeFetch({ 'v1.0/oauth2/ding123/token': route });
  const client = createDingTalkClient({
    credentials,
    apiBase: 'http://127.0.0.1:9/',
    fetch: fake.fetch,
    rateLimit: { qps: 0 },
    retry: { baseDelayMs: 0, throttleDelayMs: 0 },
  });
  return { client, fake };
}

describe('auth.verifyCorp (§1.3 unified token endpoint)', () => {
  it('sends the credentials as client_credentials and answers ok for a token', async () => {
    const { client, fake } = clientOn(() => ({ body: { access_token: 't', expires_in: 7200 } }));
    expect(await client.auth.verifyCorp('ding123')).toBe('ok');
    expect(fake.requests[0]!.body).toEqual({ client_id: 'dingappkey', client_secret: 'app-secret-value', grant_type: 'client_credentials' });
  });

  it('reads 401 unauthorized.client and 400 invalid.client as mismatch', async () => {
    const refused = clientOn(() => ({ status: 401, body: { code: 'unauthorized.client', message: '应用未被该组织授权' } }));
    expect(await refused.client.auth.verifyCorp('ding123')).toBe('mismatch');
    const invalid = clientOn(() => ({ status: 400, body: { code: 'invalid.client', message: '无效的client_id' } }));
    expect(await invalid.client.auth.verifyCorp('ding123')).toBe('mismatch');
  });

  it('reads 500 unknownError as unknown, asking once (it is the answer for a made-up corpId, not an outage)', async () => {
    const { client, fake } = clientOn(() => ({ status: 500, body: { code: 'unknownError', message: 'unknown error' } }));
    expect(await client.auth.verifyCorp('ding123')).toBe('unknown');
    expect(fake.requests).toHaveLength(1);
  });

  it('retries a throttle and throws other failures', async () => {
    const throttled = clientOn(
      sequence(
        { status: 403, body: { code: 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', message: 'qps' } },
        { body: { access_token: 't', expires_in: 7200 } },
      ),
    );
    expect(await throttled.client.auth.verifyCorp('ding123')).toBe('ok');
    const grant = clientOn(() => ({ status: 400, body: { code: 'unsupported.grant.type', message: 'no' } }));
    const error = await grant.client.auth.verifyCorp('ding123').catch((e: unknown) => e);
    expect(isDingTalkError(error)).toBe(true);
  });

  it('encodes the corpId as one path segment', async () => {
    const fake = fakeFetch({});
    const client = createDingTalkClient({ credentials, apiBase: 'http://127.0.0.1:9', fetch: fake.fetch, rateLimit: { qps: 0 } });
    await client.auth.verifyCorp('../x?y').catch(() => undefined);
    expect(fake.requests[0]!.api).toBe('v1.0/oauth2/..%2Fx%3Fy/token');
  });
});
