/**
 * The console administrator role and the console's DingTalk sign-in (issue 8), over HTTP against the real services,
 * the emulator and each database: the role set and cleared through the API and the CLI and left alone by a sync;
 * the exchange of a browser session for an admin token refused without a session, cross-origin, without JSON, for
 * a non-administrator and for a disabled account; the minted token refused once expired, revoked, or its account
 * loses the role; the local token unaffected throughout.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAdminTokens } from '../../src/http/index.ts';
import { connectTo, runCli } from '../cli/cli-harness.ts';
import { useEmulator } from '../support/emulator.ts';
import { describeEachDatabase } from '../support/test-database.ts';
import { Browser, pickOnDingTalk, startAuthHarness, type AuthHarness } from './auth-harness.ts';

interface Person {
  userid: string;
  name: string;
  active: boolean;
}

describeEachDatabase('console sign-in with DingTalk', ({ database }) => {
  const emulator = useEmulator({ seed: 'console-admin', users: 12, qps: 0 });
  let harness: AuthHarness;
  let local: string;
  let people: Person[];

  beforeAll(async () => {
    harness = await startAuthHarness(database(), emulator);
    local = (await createAdminTokens({ db: harness.app.database.db }).create('local')).token;
    people = (await emulator.control<{ users: Person[] }>('GET', '/org')).users.filter((user) => user.active);
  });
  afterAll(async () => {
    await harness?.close();
  });

  const call = async (method: string, path: string, init: { token?: string; body?: unknown; headers?: Record<string, string>; browser?: Browser } = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
    if (init.body !== undefined) headers['content-type'] ??= 'application/json';
    const request = { method, headers, ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }) };
    const response = init.browser ? await init.browser.get(`${harness.baseUrl}${path}`, request) : await fetch(`${harness.baseUrl}${path}`, request);
    const text = await response.text();
    return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as Record<string, unknown> & { error?: { code: string; message: string } } };
  };
  /** What the console sends: same origin, JSON. */
  const exchange = (browser: Browser, headers: Record<string, string> = {}) =>
    call('POST', '/api/v1/console/session', { browser, body: {}, headers: { origin: harness.baseUrl, 'sec-fetch-site': 'same-origin', ...headers } });
  const accountIdOf = async (userid: string) =>
    (
      await harness.app.database.db
        .selectFrom('external_identities')
        .select('local_id')
        .where('kind', '=', 'dingtalk_user')
        .where('external_id', '=', userid)
        .executeTakeFirstOrThrow()
    ).local_id;
  /** A browser signed in with DingTalk as `person`, back on the console's return path. */
  const signedIn = async (person: Person) => {
    const browser = new Browser();
    const options = (await call('GET', '/api/v1/console/sign-in-options')).body as { dingtalk: { url: string }[] };
    const { url } = await browser.follow(new URL(options.dingtalk[0]!.url, harness.baseUrl), {
      stopAt: `${harness.baseUrl}/?sign-in=dingtalk`,
      onDingTalk: pickOnDingTalk(emulator, { userid: person.userid }),
    });
    expect(url.search).toBe('?sign-in=dingtalk');
    return browser;
  };

  it('tells the console, without a token, which bindings offer DingTalk sign-in (names only)', async () => {
    const options = await call('GET', '/api/v1/console/sign-in-options');
    expect(options.status).toBe(200);
    expect(options.body).toEqual({
      dingtalk: [
        {
          bindingId: harness.binding.id,
          name: 'Emulated corp',
          url: `/login/dingtalk/${harness.binding.id}?return_to=%2F%3Fsign-in%3Ddingtalk`,
        },
      ],
    });
  });

  it('sets and clears the role through the API and the CLI; a sync leaves it alone', async () => {
    const person = people[0]!;
    const id = await accountIdOf(person.userid);
    expect((await call('GET', `/api/v1/accounts/${id}`, { token: local })).body.consoleRole).toBeNull();
    expect((await call('PATCH', `/api/v1/accounts/${id}`, { token: local, body: { consoleRole: 'admin' } })).body.consoleRole).toBe('admin');
    const bad = await call('PATCH', `/api/v1/accounts/${id}`, { token: local, body: { consoleRole: 'root' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.message).toContain('consoleRole');
    // Granting is an admin action: no token, no grant.
    expect((await call('PATCH', `/api/v1/accounts/${id}`, { body: { consoleRole: 'admin' } })).status).toBe(401);

    // A sync that changes the person's name keeps the role (it is a local field).
    await emulator.control('PATCH', `/org/users/${person.userid}`, { name: `${person.name} 改名` });
    await harness.app.startWorkers(); // the harness's first sync ran in-process; this one goes through the queue
    const run = await harness.app.api.runs.start(harness.binding.id);
    await expect.poll(async () => (await harness.app.api.runs.show(run.id)).status, { timeout: 20_000 }).toBe('succeeded');
    expect(await harness.app.api.accounts.show(id)).toMatchObject({ displayName: `${person.name} 改名`, consoleRole: 'admin' });
    person.name = `${person.name} 改名`;

    const cli = (...args: string[]) => runCli(args, { connect: connectTo(harness.app.api).connect });
    expect((await cli('accounts', 'update', id, '--console-role', 'none', '--json')).json()).toMatchObject({ id, consoleRole: null });
    const shown = await cli('accounts', 'show', id);
    expect(shown.stdout).toMatch(/consoleRole:\s+none/);
    expect((await cli('accounts', 'update', id, '--console-role', 'admin', '--json')).json()).toMatchObject({ id, consoleRole: 'admin' });
    const wrong = await cli('accounts', 'update', id, '--console-role', 'owner');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('"admin"');
  });

  it('refuses the exchange without a session, cross-origin, without JSON and for a non-administrator', async () => {
    expect((await exchange(new Browser())).body.error?.code).toBe('console.sign_in_required');

    const outsider = people[1]!;
    const browser = await signedIn(outsider);
    const refused = await exchange(browser);
    expect(refused.status).toBe(403);
    expect(refused.body.error?.code).toBe('console.not_admin');
    expect(refused.body.error?.message).toContain(`dingbridge accounts update ${await accountIdOf(outsider.userid)} --console-role admin`);

    // The same browser session, sent by another site or without the browser's markers, is refused before it is read.
    for (const headers of [{ origin: 'http://evil.example' } as Record<string, string>, { origin: harness.baseUrl, 'sec-fetch-site': 'cross-site' }, { origin: 'null' }]) {
      const answer = await exchange(browser, headers);
      expect([answer.status, answer.body.error?.code], JSON.stringify(headers)).toEqual([403, 'console.cross_origin']);
    }
    const noOrigin = await call('POST', '/api/v1/console/session', { browser, body: {} });
    expect(noOrigin.body.error?.code).toBe('console.cross_origin');
    const form = await call('POST', '/api/v1/console/session', {
      browser,
      body: {},
      headers: { origin: harness.baseUrl, 'content-type': 'text/plain' },
    });
    expect([form.status, form.body.error?.code]).toEqual([415, 'console.json_required']);
  });

  it('mints a token for an administrator, refused once the role is gone, the account disabled, expired or signed out', async () => {
    const admin = people[2]!;
    const id = await accountIdOf(admin.userid);
    await harness.app.api.accounts.update(id, { consoleRole: 'admin' });
    let browser = await signedIn(admin);
    const minted = await exchange(browser);
    expect(minted.status).toBe(201);
    const token = minted.body.token as string;
    expect(minted.body).toMatchObject({ kind: 'dingtalk', account: { id, displayName: admin.name } });
    const lifetime = Date.parse(minted.body.expiresAt as string) - Date.now();
    expect(lifetime).toBeGreaterThan(55 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(60 * 60_000);
    expect((await call('GET', '/api/v1/bindings', { token })).status).toBe(200);
    expect((await call('GET', '/api/v1/console/session', { token })).body).toMatchObject({ kind: 'dingtalk', account: { id, displayName: admin.name } });
    expect((await call('GET', '/api/v1/console/session', { token: local })).body).toEqual({ kind: 'token', tokenName: 'local', account: null, expiresAt: null });

    // The role taken away: refused at once; given back: the same token works again (it has not expired).
    await harness.app.api.accounts.update(id, { consoleRole: null });
    expect((await call('GET', '/api/v1/bindings', { token })).status).toBe(401);
    expect((await exchange(browser)).body.error?.code).toBe('console.not_admin');
    await harness.app.api.accounts.update(id, { consoleRole: 'admin' });
    expect((await call('GET', '/api/v1/bindings', { token })).status).toBe(200);

    // Disabled: the token and the exchange are refused, whatever the role says.
    await harness.app.api.accounts.disable(id);
    expect((await call('GET', '/api/v1/bindings', { token })).status).toBe(401);
    expect((await exchange(browser)).status).toBe(401);
    await harness.app.api.accounts.enable(id);
    expect((await call('GET', '/api/v1/bindings', { token })).status).toBe(200);

    // Expired.
    await harness.app.database.db.updateTable('admin_tokens').set({ expires_at: new Date(Date.now() - 1000) }).where('account_id', '=', id).execute();
    expect((await call('GET', '/api/v1/bindings', { token })).status).toBe(401);

    // Signed out: the token is revoked and the browser session of the same person ends.
    browser = await signedIn(admin);
    const second = (await exchange(browser)).body.token as string;
    expect(await call('DELETE', '/api/v1/console/session', { token: second, browser })).toEqual({ status: 200, body: { revoked: true, browserSessionEnded: true } });
    expect((await call('GET', '/api/v1/bindings', { token: second })).status).toBe(401);
    expect(browser.cookies.has('dingbridge_session')).toBe(false);
    expect((await exchange(browser)).body.error?.code).toBe('console.sign_in_required');

    // The local token: never revoked by a console sign-out, still working.
    expect((await call('DELETE', '/api/v1/console/session', { token: local })).body).toEqual({ revoked: false, browserSessionEnded: false });
    expect((await call('GET', '/api/v1/bindings', { token: local })).status).toBe(200);
  });

  it('documents the console routes in /openapi.json', async () => {
    const document = (await (await fetch(`${harness.baseUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(document.paths['/api/v1/console/session'] ?? {}).sort()).toEqual(['delete', 'get', 'post']);
    expect(document.paths['/api/v1/console/sign-in-options']?.get).toBeDefined();
  });
});
