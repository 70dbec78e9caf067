/**
 * The console's overview health and charts and its applications pages in a real browser (Debian's chromium through
 * playwright-core) against `serve()` and the emulator, in English and in Chinese: after a full sync the overview
 * shows the binding healthy and the sync in its charts; an application registered from the console shows its
 * secret once, and the provider's own token endpoint (found through OIDC discovery) accepts that secret; its
 * redirect URIs are edited and its workbench SSO URL shown; removed, the provider refuses it. Screenshots go to
 * `test/artifacts/` and axe finds no serious or critical violation on any page. Skipped, saying so, without chromium
 * or a build.
 */
import { describe, expect, it } from 'vitest';
import { useEmulator, type EmulatorHandle } from '../support/emulator.ts';
import { testDatabaseKinds } from '../support/test-database.ts';
import { languagesOn, skipReason, useConsoleServer, type Lang } from './console-harness.ts';

const TEXT = {
  en: { overview: 'Overview', apps: 'Applications', range7d: 'Last 7 days', saved: 'Saved' },
  'zh-CN': { overview: '概览', apps: '应用', range7d: '最近 7 天', saved: '已保存' },
} as const;

for (const kind of testDatabaseKinds) {
  describe(`overview health, charts and applications in a browser (${kind})`, () => {
    const emulators: Record<Lang, EmulatorHandle> = {
      en: useEmulator({ seed: `console-apps-en-${kind}`, users: 20, qps: 0 }),
      'zh-CN': useEmulator({ seed: `console-apps-zh-${kind}`, users: 20, qps: 0 }),
    };
    const server = useConsoleServer(kind);

    /** The provider's token endpoint with `client_secret_basic`: a bogus code is `invalid_grant` only for a known client. */
    async function tokenEndpointAnswer(clientId: string, secret: string): Promise<string> {
      const discovery = (await (await fetch(`${server.baseUrl}/oidc/.well-known/openid-configuration`)).json()) as { token_endpoint: string };
      const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64');
      const response = await fetch(discovery.token_endpoint, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: 'not-a-real-code', redirect_uri: 'https://wiki.example.com/oidc/callback' }),
      });
      return ((await response.json()) as { error: string }).error;
    }

    for (const lang of languagesOn(kind)) {
      it.skipIf(skipReason !== '')(skipReason || `shows health and charts, registers and edits an application, in ${lang}`, async () => {
        const emulator = emulators[lang];
        const text = TEXT[lang];
        const opened = await server.open(lang, `apps-${kind}`);
        const { page, shot } = opened;
        let failed = true;
        try {
          // A binding synced through the API; the overview then shows it healthy and the sync in its charts.
          const { binding, run } = await server.bindAndSync(emulator, { name: `Apps corp ${lang}` });
          const done = await server.api<{ apiCalls: { total: number } }>('GET', `/api/v1/runs/${run.id}`);

          await page.goto(server.baseUrl);
          await page.fill('[data-testid=token]', server.token);
          await page.click('[data-testid=sign-in]');
          await page.waitForSelector(`[data-testid=overview-bindings] tr[data-row-key="${binding.id}"] [data-testid=health-state][data-state=ok]`);
          expect(await page.getAttribute(`tr[data-row-key="${binding.id}"] [data-testid=health-credentials]`, 'data-state')).toBe('ok');
          expect(await page.getAttribute(`tr[data-row-key="${binding.id}"] [data-testid=health-errors]`, 'data-count')).toBe('0');
          // The charts count every run and call of the server (the other language's too), as the API does.
          const runs = await server.api<{ items: { apiCalls: { total: number } }[] }>('GET', '/api/v1/runs?limit=500');
          await page.waitForSelector('[data-testid=chart-runs]');
          expect(Number(await page.getAttribute('[data-testid=chart-runs]', 'data-total'))).toBe(runs.items.length);
          expect(Number(await page.getAttribute('[data-testid=chart-calls]', 'data-total'))).toBe(runs.items.reduce((sum, r) => sum + r.apiCalls.total, 0));
          expect(done.apiCalls.total).toBeGreaterThan(0);
          expect(await page.locator('[data-testid=chart-runs] table tbody tr').count()).toBe(24);
          await shot('overview-health');
          await page.click(`[data-testid=activity-range] >> text=${text.range7d}`);
          await page.waitForSelector('[data-testid=activity][data-range="7d"]');
          expect(await page.locator('[data-testid=chart-calls] table tbody tr').count()).toBe(7);

          // The binding's own page carries the same health under its title.
          await page.click(`tr[data-row-key="${binding.id}"] a[href="/bindings/${binding.id}"]`);
          await page.waitForSelector('[data-testid=binding-health] [data-testid=health-state][data-state=ok]');

          // Register an application: the form checks URIs as the API does, then the secret is shown once.
          await page.click(`[data-testid=nav] >> text=${text.apps}`);
          await page.waitForURL(/\/apps$/);
          await page.click('[data-testid=app-register]');
          await page.fill('[data-testid=app-name]', `Wiki ${lang}`);
          await page.fill('[data-testid=app-redirect-uris]', 'https://wiki.example.com/oidc/callback\nwiki.example.com/cb');
          await page.click('[data-testid=app-register-submit]');
          await page.waitForSelector('.ant-form-item-explain-error >> text=/wiki\\.example\\.com\\/cb/');
          await page.fill('[data-testid=app-redirect-uris]', 'https://wiki.example.com/oidc/callback');
          await page.click('[data-testid=app-register-submit]');
          await page.waitForSelector('[data-testid=app-secret-modal]');
          const clientId = (await page.textContent('[data-testid=app-secret-modal] [data-testid=app-client-id]'))!.trim();
          const secret = (await page.textContent('[data-testid=app-secret-modal] [data-testid=app-client-secret]'))!.trim();
          expect(secret.length).toBeGreaterThanOrEqual(40);
          await shot('app-secret');

          // The provider knows the client and takes the secret; a wrong secret it refuses.
          const apps = await server.api<{ items: { clientId: string; name: string }[] }>('GET', '/api/v1/apps');
          expect(apps.items.find((a) => a.clientId === clientId)?.name).toBe(`Wiki ${lang}`);
          expect(await tokenEndpointAnswer(clientId, secret)).toBe('invalid_grant');
          expect(await tokenEndpointAnswer(clientId, `${secret}x`)).toBe('invalid_client');

          // Its page: issuer from discovery, the workbench SSO URL, the secret never again; redirect URIs edited.
          await page.click('[data-testid=app-secret-done]');
          await page.waitForURL(new RegExp(`/apps/${clientId}$`));
          await page.waitForSelector('[data-testid=app-configure]');
          expect((await page.textContent('[data-testid=app-issuer]'))!.trim()).toBe(`${server.baseUrl}/oidc`);
          expect((await page.textContent('[data-testid=app-workbench-url]'))!.trim()).toBe(`${server.baseUrl}/sso/workbench/${clientId}?corpid=$CORPID$`);
          expect(await page.content()).not.toContain(secret);
          await page.fill('[data-testid=app-redirect-uris]', 'https://wiki.example.com/oidc/callback#top');
          await page.click('[data-testid=app-save]');
          await page.waitForSelector('.ant-form-item-explain-error');
          expect(await page.inputValue('[data-testid=app-redirect-uris]')).toBe('https://wiki.example.com/oidc/callback#top'); // kept
          await page.fill('[data-testid=app-redirect-uris]', 'https://wiki.example.com/oidc/callback\nhttps://wiki2.example.com/oidc/callback');
          await page.click('[data-testid=app-save]');
          await page.waitForSelector(`.ant-message >> text=${text.saved}`);
          await expect
            .poll(async () => (await server.api<{ redirectUris: string[] }>('GET', `/api/v1/apps/${clientId}`)).redirectUris)
            .toEqual(['https://wiki.example.com/oidc/callback', 'https://wiki2.example.com/oidc/callback']);
          await shot('app');

          // Removed (after a confirmation): gone from the list, and the provider no longer knows the client.
          await page.click('[data-testid=app-remove]');
          await page.click('[data-testid=app-remove-confirm]');
          await page.waitForURL(/\/apps$/);
          await page.waitForSelector('[data-testid=apps]');
          expect(await page.locator(`[data-testid=apps] a[href="/apps/${clientId}"]`).count()).toBe(0);
          expect(await tokenEndpointAnswer(clientId, secret)).toBe('invalid_client');
          await shot('apps');
          failed = false;
        } finally {
          await opened.close(failed);
        }
      }, 60_000);
    }
  });
}
