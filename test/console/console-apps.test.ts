/**
 * The console's overview health and charts and its applications pages in a real browser (Debian's chromium through
 * playwright-core) against `serve()` and the emulator, in English and in Chinese: after a full sync the overview
 * shows the binding healthy and the sync in its charts; an application registered from the console shows its
 * secret once, and the provider's own token endpoint (found through OIDC discovery) accepts that secret; its
 * redirect URIs are edited and its workbench SSO URL shown; removed, the provider refuses it. Screenshots go to
 * `test/artifacts/` and axe finds no serious or critical violation on any page. Skipped, saying so, without chromium
 * or a build.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../../src/cli/serve.ts';
import { loadConfig } from '../../src/config/index.ts';
import { CONSOLE_DIST_DIR } from '../../src/http/console.ts';
import { useEmulator, type EmulatorHandle } from '../support/emulator.ts';
import { createScratchPostgresDatabase, testDatabaseKinds, type ScratchDatabase } from '../support/test-database.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = new URL('../artifacts/', import.meta.url).pathname;
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const skipReason = !existsSync(CHROMIUM)
  ? `SKIPPED: no chromium at ${CHROMIUM} (apt-get install chromium)`
  : !existsSync(join(CONSOLE_DIST_DIR, 'index.html'))
    ? 'SKIPPED: the console is not built (npm run build:web)'
    : '';

const TEXT = {
  en: { overview: 'Overview', apps: 'Applications', range7d: 'Last 7 days', saved: 'Saved' },
  'zh-CN': { overview: '概览', apps: '应用', range7d: '最近 7 天', saved: '已保存' },
} as const;

/** A free loopback port, so PUBLIC_URL (the issuer, the workbench URL) is the address the test reaches. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

for (const kind of testDatabaseKinds) {
  describe(`overview health, charts and applications in a browser (${kind})`, () => {
    const emulators: Record<'en' | 'zh-CN', EmulatorHandle> = {
      en: useEmulator({ seed: `console-apps-en-${kind}`, users: 20, qps: 0 }),
      'zh-CN': useEmulator({ seed: `console-apps-zh-${kind}`, users: 20, qps: 0 }),
    };
    let dataDir: string;
    let scratch: ScratchDatabase | undefined;
    let stop: (() => Promise<void>) | undefined;
    let baseUrl: string;
    let token: string;
    let browser: Browser | undefined;

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'dingbridge-console-apps-'));
      scratch = kind === 'postgres' ? await createScratchPostgresDatabase() : undefined;
      const port = await freePort();
      baseUrl = `http://127.0.0.1:${port}`;
      const config = loadConfig(
        {
          DATA_DIR: dataDir,
          PORT: String(port),
          HOST: '127.0.0.1',
          PUBLIC_URL: baseUrl,
          LOG_LEVEL: 'warn',
          ...(scratch ? { DATABASE_URL: scratch.url, DINGBRIDGE_SECRET_KEY: 'c'.repeat(64) } : {}),
        },
        { onWarning: () => {} },
      );
      stop = await serve(config, { logger: pino({ level: 'warn' }), print: () => {} });
      token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
      if (!skipReason) browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    });
    afterAll(async () => {
      await browser?.close();
      await stop?.();
      await scratch?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${text}`);
      return JSON.parse(text) as T;
    }

    /** The provider's token endpoint with `client_secret_basic`: a bogus code is `invalid_grant` only for a known client. */
    async function tokenEndpointAnswer(clientId: string, secret: string): Promise<string> {
      const discovery = (await (await fetch(`${baseUrl}/oidc/.well-known/openid-configuration`)).json()) as { token_endpoint: string };
      const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64');
      const response = await fetch(discovery.token_endpoint, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: 'not-a-real-code', redirect_uri: 'https://wiki.example.com/oidc/callback' }),
      });
      return ((await response.json()) as { error: string }).error;
    }

    for (const lang of ['en', 'zh-CN'] as const) {
      it.skipIf(skipReason !== '')(skipReason || `shows health and charts, registers and edits an application, in ${lang}`, async () => {
        const emulator = emulators[lang];
        const text = TEXT[lang];
        const context = await browser!.newContext({ locale: lang, viewport: { width: 1280, height: 900 }, bypassCSP: true }); // axe is injected inline
        const page = await context.newPage();
        page.setDefaultTimeout(15_000);
        const shot = async (name: string) => {
          mkdirSync(ARTIFACTS, { recursive: true });
          await page.screenshot({ path: join(ARTIFACTS, `console-${name}-${lang}-${kind}.png`), fullPage: true });
          await expectAccessible(page, `${name} (${lang})`);
        };
        try {
          // A binding synced through the API; the overview then shows it healthy and the sync in its charts.
          const binding = await api<{ id: string }>('POST', '/api/v1/bindings', {
            name: `Apps corp ${lang}`,
            corpId: emulator.corpId,
            appKey: emulator.appKey,
            appSecret: emulator.appSecret,
            apiBase: emulator.url,
          });
          const run = await api<{ id: string }>('POST', `/api/v1/bindings/${binding.id}/sync`, {});
          await expect.poll(async () => (await api<{ status: string }>('GET', `/api/v1/runs/${run.id}`)).status, { timeout: 20_000 }).toBe('succeeded');
          const done = await api<{ apiCalls: { total: number } }>('GET', `/api/v1/runs/${run.id}`);

          await page.goto(baseUrl);
          await page.fill('[data-testid=token]', token);
          await page.click('[data-testid=sign-in]');
          await page.waitForSelector(`[data-testid=overview-bindings] tr[data-row-key="${binding.id}"] [data-testid=health-state][data-state=ok]`);
          expect(await page.getAttribute(`tr[data-row-key="${binding.id}"] [data-testid=health-credentials]`, 'data-state')).toBe('ok');
          expect(await page.getAttribute(`tr[data-row-key="${binding.id}"] [data-testid=health-errors]`, 'data-count')).toBe('0');
          // The charts count every run and call of the server (the other language's too), as the API does.
          const runs = await api<{ items: { apiCalls: { total: number } }[] }>('GET', '/api/v1/runs?limit=500');
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
          const apps = await api<{ items: { clientId: string; name: string }[] }>('GET', '/api/v1/apps');
          expect(apps.items.find((a) => a.clientId === clientId)?.name).toBe(`Wiki ${lang}`);
          expect(await tokenEndpointAnswer(clientId, secret)).toBe('invalid_grant');
          expect(await tokenEndpointAnswer(clientId, `${secret}x`)).toBe('invalid_client');

          // Its page: issuer from discovery, the workbench SSO URL, the secret never again; redirect URIs edited.
          await page.click('[data-testid=app-secret-done]');
          await page.waitForURL(new RegExp(`/apps/${clientId}$`));
          await page.waitForSelector('[data-testid=app-configure]');
          expect((await page.textContent('[data-testid=app-issuer]'))!.trim()).toBe(`${baseUrl}/oidc`);
          expect((await page.textContent('[data-testid=app-workbench-url]'))!.trim()).toBe(`${baseUrl}/sso/workbench/${clientId}?corpid=$CORPID$`);
          expect(await page.content()).not.toContain(secret);
          await page.fill('[data-testid=app-redirect-uris]', 'https://wiki.example.com/oidc/callback#top');
          await page.click('[data-testid=app-save]');
          await page.waitForSelector('.ant-form-item-explain-error');
          expect(await page.inputValue('[data-testid=app-redirect-uris]')).toBe('https://wiki.example.com/oidc/callback#top'); // kept
          await page.fill('[data-testid=app-redirect-uris]', 'https://wiki.example.com/oidc/callback\nhttps://wiki2.example.com/oidc/callback');
          await page.click('[data-testid=app-save]');
          await page.waitForSelector(`.ant-message >> text=${text.saved}`);
          await expect
            .poll(async () => (await api<{ redirectUris: string[] }>('GET', `/api/v1/apps/${clientId}`)).redirectUris)
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
        } catch (error) {
          mkdirSync(ARTIFACTS, { recursive: true });
          await page.screenshot({ path: join(ARTIFACTS, `console-apps-failure-${lang}-${kind}.png`), fullPage: true }).catch(() => undefined);
          throw error;
        } finally {
          await context.close();
        }
      }, 60_000);
    }
  });
}

/** Runs axe in the page; serious and critical violations fail the test, listed by rule and element. */
async function expectAccessible(page: Page, where: string): Promise<void> {
  await page.addScriptTag({ content: AXE_SOURCE });
  const violations = await page.evaluate(async () => {
    // Runs in the page; the test's own types have no DOM, and the page's `axe` is what the tag above installed.
    const axe = (globalThis as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<{ violations: { id: string; impact: string | null; nodes: { target: unknown; failureSummary?: string }[] }[] }> } }).axe;
    const result = await axe.run('html', { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map((n) => `${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`) }));
  });
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious, `axe on ${where}`).toEqual([]);
}
