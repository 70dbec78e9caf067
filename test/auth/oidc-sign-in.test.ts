/**
 * Issue 6 "Done when": an openid-client relying party signs a person in through Dingbridge's OIDC provider
 * (authorization code + PKCE), the person signing in with DingTalk's QR flow on the emulator; claims match the synced
 * account; strangers, disabled accounts, replayed codes and wrong states are refused; workbench SSO reaches the
 * application with no click. The real server on loopback, the emulator as DingTalk, on each database.
 */
import * as oidcClient from 'openid-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AppCreated } from '../../src/auth/index.ts';
import type { DirectoryExport } from '../../src/directory/index.ts';
import { useEmulator } from '../support/emulator.ts';
import { describeEachDatabase } from '../support/test-database.ts';
import { Browser, pickOnDingTalk, startAuthHarness, type AuthHarness } from './auth-harness.ts';

const RP_CALLBACK = 'http://127.0.0.1:9/callback';
const SCOPE = 'openid profile email phone departments dingtalk offline_access';

interface OrgUser {
  userid: string;
  unionid: string;
  name: string;
  active: boolean;
}

describeEachDatabase('sign-in with DingTalk and OIDC', ({ database }) => {
  const emulator = useEmulator({ seed: 'auth-sign-in', users: 40, qps: 0 });
  let harness: AuthHarness;
  let app: AppCreated;
  let people: OrgUser[];
  let exported: DirectoryExport;

  beforeAll(async () => {
    harness = await startAuthHarness(database(), emulator);
    app = await harness.app.auth.apps.add({ name: 'Wiki', redirectUris: [RP_CALLBACK] });
    people = (await emulator.control<{ users: OrgUser[] }>('GET', '/org')).users.filter((user) => user.active);
    exported = await harness.app.api.directory.export();
  });
  afterAll(async () => {
    await harness?.close();
  });

  const accountOf = (userid: string) => exported.accounts.find((account) => account.external?.userid === userid)!;

  async function relyingParty(clientId = app.clientId, secret = app.clientSecret!) {
    return oidcClient.discovery(new URL(`${harness.baseUrl}/oidc`), clientId, undefined, oidcClient.ClientSecretBasic(secret), {
      execute: [oidcClient.allowInsecureRequests],
    });
  }

  async function authorize(config: oidcClient.Configuration, browser: Browser, userid: string) {
    const verifier = oidcClient.randomPKCECodeVerifier();
    const state = oidcClient.randomState();
    const url = oidcClient.buildAuthorizationUrl(config, {
      redirect_uri: RP_CALLBACK,
      scope: SCOPE,
      prompt: 'consent',
      state,
      code_challenge: await oidcClient.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const end = await browser.follow(url, { stopAt: RP_CALLBACK, onDingTalk: pickOnDingTalk(emulator, { userid }) });
    return { callback: end.url, verifier, state, hops: end.hops };
  }

  it('completes authorization code + PKCE with a QR sign-in; ID token claims are the synced account', async () => {
    const person = people[0]!;
    const config = await relyingParty();
    const browser = new Browser();
    const { callback, verifier, state, hops } = await authorize(config, browser, person.userid);
    expect(hops.some((hop) => hop.startsWith(`${emulator.url}/oauth2/auth`))).toBe(true);
    const tokens = await oidcClient.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
    const claims = tokens.claims()!;
    const account = accountOf(person.userid);
    expect(claims).toMatchObject({
      iss: `${harness.baseUrl}/oidc`,
      aud: app.clientId,
      sub: account.id,
      name: account.displayName,
      preferred_username: account.username,
      dingtalk_userid: person.userid,
      dingtalk_unionid: person.unionid,
      dingtalk_corp_id: emulator.corpId,
    });
    if (account.email !== null) expect(claims.email).toBe(account.email);
    if (account.mobile !== null) expect(claims.phone_number).toBe(account.mobile);
    expect((claims.departments as { id: string }[]).map((d) => d.id).sort()).toEqual([...account.unitIds].sort());

    const info = await oidcClient.fetchUserInfo(config, tokens.access_token, account.id);
    expect(info.name).toBe(account.displayName);

    // Refresh tokens work, and the replayed authorization code is refused (and revokes what it issued).
    expect(tokens.refresh_token).toBeTruthy();
    const refreshed = await oidcClient.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.claims()?.sub).toBe(account.id);
    await expect(oidcClient.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state })).rejects.toMatchObject({
      error: 'invalid_grant',
    });

    // A second application: the browser's session signs the person in with no DingTalk round trip.
    const second = await authorize(config, browser, person.userid);
    expect(second.hops.some((hop) => hop.startsWith(emulator.url))).toBe(false);
  });

  it('requires PKCE from public clients and refuses redirect URIs not registered exactly', async () => {
    const spa = await harness.app.auth.apps.add({ name: 'SPA', redirectUris: [RP_CALLBACK], public: true });
    const browser = new Browser();
    const noPkce = new URL(`${harness.baseUrl}/oidc/auth`);
    noPkce.search = new URLSearchParams({ client_id: spa.clientId, redirect_uri: RP_CALLBACK, response_type: 'code', scope: 'openid' }).toString();
    const refused = await browser.follow(noPkce, { stopAt: RP_CALLBACK });
    expect(refused.url.searchParams.get('error')).toBe('invalid_request');

    const elsewhere = new URL(noPkce);
    elsewhere.searchParams.set('redirect_uri', `${RP_CALLBACK}/../evil`);
    const page = await browser.follow(elsewhere, { stopAt: RP_CALLBACK });
    expect(page.response?.status).toBe(400);
    expect(await page.response?.text()).toContain('redirect_uri');
  });

  async function qrSignIn(browser: Browser, who: { userid: string } | { stranger: true }) {
    return browser.follow(`${harness.baseUrl}/login/dingtalk/${harness.binding.id}?return_to=/login`, { onDingTalk: pickOnDingTalk(emulator, who) });
  }

  it("refuses a stranger's unionid with a clear page", async () => {
    const end = await qrSignIn(new Browser(), { stranger: true });
    expect(end.response?.status).toBe(403);
    const html = await end.response!.text();
    expect(html).toContain('data-code="auth.not_member"');
    expect(html).toContain('not a member of Emulated corp');
  });

  it('refuses a disabled account, and its open sessions end', async () => {
    const person = people[1]!;
    const browser = new Browser();
    const ok = await qrSignIn(browser, person);
    expect(await ok.response!.text()).toContain('data-testid="signed-in"');
    await database()
      .db.updateTable('accounts')
      .set({ status: 'disabled', disabled_at: new Date(), disabled_by: 'admin' })
      .where('id', '=', accountOf(person.userid).id)
      .execute();
    const after = await browser.follow(`${harness.baseUrl}/login`);
    expect(await after.response!.text()).not.toContain('data-testid="signed-in"');
    const refused = await qrSignIn(new Browser(), person);
    expect(refused.response?.status).toBe(403);
    expect(await refused.response!.text()).toContain('data-code="auth.account_disabled"');
  });

  it('refuses a wrong state, a replayed callback, and a replayed DingTalk code', async () => {
    const person = people[2]!;
    const browser = new Browser();
    let callback: URL | undefined;
    await browser.follow(`${harness.baseUrl}/login/dingtalk/${harness.binding.id}`, {
      onDingTalk: async (authorizeUrl) => {
        const url = await pickOnDingTalk(emulator, person)(authorizeUrl);
        callback = new URL(url);
        return url;
      },
    });
    expect(browser.cookies.has('dingbridge_session')).toBe(true);

    const replay = await new Browser().follow(callback!);
    expect(replay.response?.status).toBe(400);
    expect(await replay.response!.text()).toContain('data-code="auth.bad_state"');

    const wrongState = new URL(callback!);
    wrongState.searchParams.set('state', 'not-the-state');
    const wrong = await browser.follow(wrongState);
    expect(wrong.response?.status).toBe(400);
    expect(await wrong.response!.text()).toContain('data-code="auth.bad_state"');

    // A fresh state with the spent DingTalk code: DingTalk refuses the code.
    const usedCode = callback!.searchParams.get('code')!;
    const fresh = new Browser();
    const end = await fresh.follow(`${harness.baseUrl}/login/dingtalk/${harness.binding.id}`, {
      onDingTalk: (authorizeUrl) => {
        const target = new URL(authorizeUrl.searchParams.get('redirect_uri')!);
        target.searchParams.set('code', usedCode);
        target.searchParams.set('state', authorizeUrl.searchParams.get('state')!);
        return Promise.resolve(target.toString());
      },
    });
    expect(end.response?.status).toBe(400);
    expect(await end.response!.text()).toContain('data-code="auth.bad_code"');

    // Another browser cannot finish a flow started elsewhere (its nonce cookie is missing).
    let stolen: string | undefined;
    await new Browser().follow(`${harness.baseUrl}/login/dingtalk/${harness.binding.id}`, {
      onDingTalk: async (authorizeUrl) => {
        stolen = await pickOnDingTalk(emulator, person)(authorizeUrl);
        return `${harness.baseUrl}/login`;
      },
    });
    const csrf = await new Browser().follow(stolen!);
    expect(await csrf.response!.text()).toContain('data-code="auth.bad_state"');
  });

  it('never redirects to another origin after sign-in', async () => {
    const person = people[3]!;
    const end = await new Browser().follow(`${harness.baseUrl}/login/dingtalk/${harness.binding.id}?return_to=//evil.example/x`, {
      onDingTalk: pickOnDingTalk(emulator, person),
    });
    expect(end.url.origin).toBe(harness.baseUrl);
    expect(end.url.pathname).toBe('/login');
  });

  it('workbench SSO: a 免登 code reaches the application with no click', async () => {
    const person = people[4]!;
    const { authCode } = await emulator.control<{ authCode: string }>('POST', '/workbench/code', { clientId: emulator.appKey, userid: person.userid });
    const browser = new Browser();
    const end = await browser.follow(`${harness.baseUrl}/sso/workbench/${app.clientId}?corpid=${emulator.corpId}&code=${authCode}`, {
      stopAt: RP_CALLBACK,
    });
    expect(end.url.toString().startsWith(RP_CALLBACK)).toBe(true);
    expect(end.hops.some((hop) => hop.startsWith(emulator.url))).toBe(false);
    const code = end.url.searchParams.get('code');
    expect(code).toBeTruthy();
    // The application exchanges it (no PKCE or state: the login was initiated for it) and gets the person.
    const config = await relyingParty();
    const tokens = await oidcClient.authorizationCodeGrant(config, end.url, { expectedState: oidcClient.skipStateCheck });
    expect(tokens.claims()?.sub).toBe(accountOf(person.userid).id);

    // The homepage without a code is the page that asks DingTalk's JSAPI for one.
    const page = await new Browser().get(`${harness.baseUrl}/login/workbench/${harness.binding.id}`);
    expect(await page.text()).toContain('requestAuthCode');
  });

  it('manages applications through the admin API and rotates signing keys', async () => {
    const token = await harness.app.database.db.selectFrom('admin_tokens').select('id').executeTakeFirst();
    expect(token === undefined || typeof token.id === 'string').toBe(true);
    const before = (await harness.app.auth.signingKeys.current())[0]!;
    const rotated = await harness.app.auth.signingKeys.rotate();
    const keys = await harness.app.auth.signingKeys.current();
    expect(keys.map((key) => key.kid)).toEqual([rotated.kid, before.kid]);
    const listed = await harness.app.api.apps.list();
    expect(listed.map((item) => item.id)).toContain(app.clientId);
    expect(JSON.stringify(listed)).not.toContain(app.clientSecret!);
  });
});
