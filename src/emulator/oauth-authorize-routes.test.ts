import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testEmulator, type Reply, type TestEmulator } from './emulator-testing.ts';
import type { OrgUser } from './org-types.ts';

let emulator: TestEmulator;
beforeEach(async () => {
  emulator = await testEmulator({ seed: 'qr-login', users: 120 });
});
afterEach(async () => emulator.close());

const REDIRECT = 'http://127.0.0.1:4000/auth/dingtalk/callback';

function authorizeParams(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const params: Record<string, string | undefined> = {
    redirect_uri: REDIRECT,
    response_type: 'code',
    client_id: emulator.appKey,
    scope: 'openid corpid',
    state: 'csrf-123',
    prompt: 'consent',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

function page(overrides: Record<string, string | undefined> = {}): Promise<Reply> {
  return emulator.request('GET', `/oauth2/auth?${new URLSearchParams(authorizeParams(overrides)).toString()}`);
}

function submit(fields: Record<string, string>, overrides: Record<string, string | undefined> = {}): Promise<Reply> {
  const form = new URLSearchParams({ ...authorizeParams(overrides), ...fields }).toString();
  return emulator.request('POST', '/oauth2/auth', form, { 'content-type': 'application/x-www-form-urlencoded' });
}

function activeUsers(): OrgUser[] {
  return [...emulator.context.org.users()].filter((u) => u.active);
}

function location(reply: Reply): URL {
  expect(reply.status).toBe(302);
  return new URL(String(reply.headers.location));
}

describe('GET /oauth2/auth — the pick page (§10.1 step 1)', () => {
  it('renders an accessible zh-CN page listing members with name, department and userid', async () => {
    const reply = await page();
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(String(reply.headers['content-security-policy'])).toContain("default-src 'none'");
    expect(reply.text).toMatch(/^<!doctype html>\n<html lang="zh-CN">/);
    expect(reply.text).toMatch(/<title>[^<]+<\/title>/);
    expect(reply.text).toContain('<label for="q">');
    const first = activeUsers()[0]!;
    const dept = emulator.context.org.department(first.mainDeptId)!.name;
    const button = new RegExp(`<button[^>]*data-testid="pick-user" data-userid="${first.userid}">[\\s\\S]*?</button>`).exec(reply.text)?.[0];
    expect(button).toContain(first.name);
    expect(button).toContain(dept);
    expect(button).toContain(first.userid);
    expect(reply.text.match(/data-testid="pick-user"/g)).toHaveLength(50);
    expect(reply.text).toContain(`共 ${activeUsers().length} 人匹配，显示前 50 人`);
    expect(reply.text.match(/data-testid="pick-stranger"/g)).toHaveLength(emulator.context.login.strangers.length);
    expect(reply.text).toContain('id="cancel"');
  });

  it('finds members by name, userid or department with q, and carries the request through both forms', async () => {
    const target = activeUsers()[77]!;
    const reply = await page({ q: target.userid });
    expect(reply.text).toContain(`data-userid="${target.userid}"`);
    expect(reply.text.match(/data-testid="pick-user"/g)).toHaveLength(1);
    expect(reply.text.match(/<input type="hidden" name="state" value="csrf-123">/g)).toHaveLength(2);
    expect(reply.text).toContain('value="' + target.userid + '"');
    const none = await page({ q: 'no such person at all' });
    expect(none.text).toContain('没有匹配的成员');
    expect(none.text).not.toContain('data-testid="pick-user"');
  });

  it('does not list people who never activated DingTalk', async () => {
    const inactive = [...emulator.context.org.users()].find((u) => !u.active)!;
    expect((await page({ q: inactive.userid })).text).not.toContain(`data-userid="${inactive.userid}"`);
  });

  it('escapes a hostile state, redirect_uri and search term', async () => {
    const hostile = '"><script>alert(1)</script><img src=x onerror=alert(2)>\'';
    const reply = await page({ state: hostile, redirect_uri: `${REDIRECT}?next="><script>x</script>`, q: hostile });
    expect(reply.status).toBe(200);
    expect(reply.text).not.toContain('<script>');
    expect(reply.text).not.toContain('<img');
    expect(reply.text).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&#39;');
    const error = await page({ client_id: '<script>alert(3)</script>' });
    expect(error.status).toBe(400);
    expect(error.text).not.toContain('<script>');
    expect(error.text).toContain('&lt;script&gt;alert(3)&lt;/script&gt;');
  });

  it('escapes names of members', async () => {
    const user = activeUsers()[0]!;
    user.name = '<b onclick="x">坏</b>';
    const reply = await page({ q: user.userid });
    expect(reply.text).not.toContain('<b onclick');
    expect(reply.text).toContain('&lt;b onclick=&quot;x&quot;&gt;坏&lt;/b&gt;');
  });

  it.each([
    ['an unknown client_id', { client_id: 'dingunknown' }, '未知的应用'],
    ['no client_id', { client_id: undefined }, 'client_id'],
    ['no redirect_uri', { redirect_uri: undefined }, 'redirect_uri'],
    ['a relative redirect_uri', { redirect_uri: '/callback' }, 'redirect_uri'],
    ['a javascript: redirect_uri', { redirect_uri: 'javascript:alert(1)' }, 'http'],
    ['a redirect_uri with a fragment', { redirect_uri: `${REDIRECT}#x` }, '#'],
    ['a non-loopback redirect_uri while none is configured', { redirect_uri: 'https://evil.example/cb' }, '回调地址'],
    ['response_type=token', { response_type: 'token' }, 'response_type'],
    ['no scope', { scope: undefined }, 'scope'],
    ['scope without openid', { scope: 'corpid' }, 'scope'],
    ['an unknown scope', { scope: 'openid email' }, 'scope'],
  ])('answers %s with an error page, never a redirect', async (_label, overrides, message) => {
    const reply = await page(overrides);
    expect(reply.status).toBe(400);
    expect(reply.headers.location).toBeUndefined();
    expect(reply.text).toContain('data-testid="login-error"');
    expect(reply.text).toContain(message);
  });

  it('accepts repeated parameters as a bad request, not a crash', async () => {
    const reply = await emulator.request('GET', `/oauth2/auth?client_id=a&client_id=b&redirect_uri=${encodeURIComponent(REDIRECT)}`);
    expect(reply.status).toBe(400);
  });

  it('allows only the configured redirect URLs once an app has some (origin and path; query free)', async () => {
    const put = await emulator.request('PUT', `/_emulator/apps/${emulator.appKey}/login`, { redirectUris: ['https://sso.example.com/dingtalk/cb'] });
    expect(put.body).toEqual({ appKey: emulator.appKey, redirectUris: ['https://sso.example.com/dingtalk/cb'] });
    expect((await page({ redirect_uri: 'https://sso.example.com/dingtalk/cb?tenant=1' })).status).toBe(200);
    expect((await page({ redirect_uri: 'https://sso.example.com/other' })).status).toBe(400);
    expect((await page()).status).toBe(400); // loopback no longer allowed
    await emulator.request('PUT', `/_emulator/apps/${emulator.appKey}/login`, { redirectUris: null });
    expect((await page()).status).toBe(200);
  });
});

describe('POST /oauth2/auth — picking a person (§10.1 step 2)', () => {
  it('redirects with code and authCode (same value) and the state unchanged', async () => {
    const user = activeUsers()[5]!;
    const target = location(await submit({ userid: user.userid }, { state: 'a b&c=d/é' }));
    expect(`${target.origin}${target.pathname}`).toBe(REDIRECT);
    const code = target.searchParams.get('code');
    expect(code).toMatch(/^[0-9a-f]{32}$/);
    expect(target.searchParams.get('authCode')).toBe(code);
    expect(target.searchParams.get('state')).toBe('a b&c=d/é');
    const token = await emulator.request('POST', '/v1.0/oauth2/userAccessToken', {
      clientId: emulator.appKey,
      clientSecret: emulator.appSecret,
      code,
      grantType: 'authorization_code',
    });
    expect(token.status).toBe(200);
    const me = await emulator.request('GET', '/v1.0/contact/users/me', undefined, { 'x-acs-dingtalk-access-token': String(token.body.accessToken) });
    expect(me.body.unionId).toBe(user.unionid);
  });

  it('keeps the query of the redirect URL and leaves state out when none was given', async () => {
    const target = location(await submit({ userid: activeUsers()[0]!.userid }, { redirect_uri: `${REDIRECT}?tenant=acme`, state: undefined }));
    expect(target.searchParams.get('tenant')).toBe('acme');
    expect(target.searchParams.has('state')).toBe(false);
    expect(target.searchParams.get('code')).toBe(target.searchParams.get('authCode'));
  });

  it('redirects a cancel with error and state, and no code', async () => {
    const target = location(await submit({ cancel: '1' }));
    expect(target.searchParams.get('error')).toBe('access_denied');
    expect(target.searchParams.get('state')).toBe('csrf-123');
    expect(target.searchParams.has('code')).toBe(false);
  });

  it('logs a stranger in: a valid user token whose unionid the organization does not know (60121)', async () => {
    const stranger = emulator.context.login.strangers[1]!;
    const target = location(await submit({ stranger: stranger.unionid }));
    const token = await emulator.request('POST', '/v1.0/oauth2/userAccessToken', {
      clientId: emulator.appKey,
      clientSecret: emulator.appSecret,
      code: target.searchParams.get('code'),
      grantType: 'authorization_code',
    });
    expect(token.body.corpId).toBe(stranger.corpId);
    expect(token.body.corpId).not.toBe(emulator.context.corpId);
    const me = await emulator.request('GET', '/v1.0/contact/users/me', undefined, { 'x-acs-dingtalk-access-token': String(token.body.accessToken) });
    expect(me.body).toMatchObject({ unionId: stranger.unionid, nick: stranger.nick });
    expect((await emulator.oapi('/topapi/user/getbyunionid', { unionid: stranger.unionid })).body).toMatchObject({ errcode: 60121 });
  });

  it('re-checks the request on submit and refuses what the page would refuse', async () => {
    const user = activeUsers()[0]!;
    for (const overrides of [{ client_id: 'dingunknown' }, { redirect_uri: 'https://evil.example/cb' }, { scope: 'corpid' }]) {
      const reply = await submit({ userid: user.userid }, overrides);
      expect(reply.status).toBe(400);
      expect(reply.headers.location).toBeUndefined();
    }
  });

  it('refuses unknown people, inactive members, unknown strangers and an empty choice with an error page', async () => {
    const inactive = [...emulator.context.org.users()].find((u) => !u.active)!;
    const choices: Record<string, string>[] = [{ userid: 'nobody' }, { userid: inactive.userid }, { stranger: 'not-a-stranger' }, {}];
    for (const fields of choices) {
      const reply = await submit(fields);
      expect(reply.status, JSON.stringify(fields)).toBe(400);
      expect(reply.text).toContain('data-testid="login-error"');
    }
  });

  it('answers a body that is not a form with an error page', async () => {
    for (const [text, type] of [['{', 'application/json'], ['<x/>', 'text/xml'], ['[1]', 'application/json']] as const) {
      const reply = await emulator.request('POST', '/oauth2/auth', text, { 'content-type': type });
      expect(reply.status).toBe(400);
      expect(reply.text).toContain('data-testid="login-error"');
    }
  });
});
