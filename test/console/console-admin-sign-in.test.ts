/**
 * Signing in to the admin console with DingTalk, in a real browser (Debian's chromium through playwright-core)
 * against `serve()` and the emulator: a binding offering QR sign-in, a synced person granted the console role. In
 * English, the console's "Sign in with DingTalk" → the emulator's login page → pick the person → back in the console,
 * signed in as them, the overview shown; signing out revokes the token. In Chinese, a person without the role is
 * refused with the command that grants it. Screenshots go to `test/artifacts/`; axe finds no serious or critical
 * violation on the sign-in page. Skipped, saying so, without chromium or a console build.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../../src/cli/serve.ts';
import { loadConfig } from '../../src/config/index.ts';
import { CONSOLE_DIST_DIR } from '../../src/http/console.ts';
import { freePort } from '../auth/auth-harness.ts';
import { useEmulator } from '../support/emulator.ts';
import { createScratchPostgresDatabase, testDatabaseKinds, type ScratchDatabase } from '../support/test-database.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = new URL('../artifacts/', import.meta.url).pathname;
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const skipReason = !existsSync(CHROMIUM)
  ? `SKIPPED: no chromium at ${CHROMIUM} (apt-get install chromium)`
  : !existsSync(join(CONSOLE_DIST_DIR, 'index.html'))
    ? 'SKIPPED: the console is not built (npm run build:web)'
    : '';

interface Person {
  userid: string;
  name: string;
  active: boolean;
}

for (const kind of testDatabaseKinds) {
  describe(`console sign-in with DingTalk in a browser (${kind})`, () => {
    const emulator = useEmulator({ seed: `console-admin-${kind}`, users: 10, qps: 0 });
    let dataDir: string;
    let scratch: ScratchDatabase | undefined;
    let stop: (() => Promise<void>) | undefined;
    let baseUrl: string;
    let token: string;
    let browser: Browser | undefined;
    let admin: Person;
    let outsider: Person;

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'dingbridge-console-admin-'));
      scratch = kind === 'postgres' ? await createScratchPostgresDatabase() : undefined;
      const port = await freePort();
      baseUrl = `http://127.0.0.1:${port}`;
      const config = loadConfig(
        {
          DATA_DIR: dataDir,
          PORT: String(port),
          // DingTalk sends the browser back to PUBLIC_URL: it must be this very server.
          PUBLIC_URL: baseUrl,
          LOG_LEVEL: 'warn',
          ...(scratch ? { DATABASE_URL: scratch.url, DINGBRIDGE_SECRET_KEY: 'd'.repeat(64) } : {}),
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

    /** A fresh browser profile in `lang`, through "Sign in with DingTalk" and the emulator's page, as `person`. */
    async function signInWithDingTalk(lang: 'en' | 'zh-CN', person: Person, run: (page: Page, shot: (name: string) => Promise<void>) => Promise<void>) {
      const context = await browser!.newContext({ locale: lang, viewport: { width: 1280, height: 800 }, bypassCSP: true }); // axe is injected inline
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      const shot = async (name: string) => {
        mkdirSync(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: join(ARTIFACTS, `console-admin-${name}-${lang}-${kind}.png`), fullPage: true });
      };
      try {
        await page.goto(baseUrl);
        await page.waitForSelector('[data-testid=sign-in-dingtalk]');
        expect(await page.textContent('[data-testid=sign-in-dingtalk]')).toContain(lang === 'en' ? 'Sign in with DingTalk' : '使用钉钉登录');
        await shot('sign-in');
        await expectAccessible(page, `sign-in (${lang})`);
        await page.click('[data-testid=sign-in-dingtalk]');
        await page.waitForURL((url) => url.pathname === '/oauth2/auth');
        await page.click(`button[data-testid=pick-user][data-userid="${person.userid}"]`);
        await run(page, shot);
      } catch (error) {
        mkdirSync(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: join(ARTIFACTS, `console-admin-failure-${lang}-${kind}.png`), fullPage: true }).catch(() => undefined);
        throw error;
      } finally {
        await context.close();
      }
    }

    it('binds an organization offering QR sign-in, syncs it and grants one person the console role', async () => {
      const binding = await api<{ id: string }>('POST', '/api/v1/bindings', {
        name: 'Console sign-in corp',
        corpId: emulator.corpId,
        appKey: emulator.appKey,
        appSecret: emulator.appSecret,
        apiBase: emulator.url,
        login: { methods: ['qr'], outsiders: 'deny', provisionOnLogin: 'refuse' },
      });
      const run = await api<{ id: string }>('POST', `/api/v1/bindings/${binding.id}/sync`, {});
      await expect.poll(async () => (await api<{ status: string }>('GET', `/api/v1/runs/${run.id}`)).status, { timeout: 20_000 }).toBe('succeeded');
      const people = (await emulator.control<{ users: Person[] }>('GET', '/org')).users.filter((user) => user.active);
      [admin, outsider] = [people[0]!, people[1]!];
      const accounts = (await api<{ items: { id: string; username: string }[] }>('GET', '/api/v1/accounts?limit=500')).items;
      const adminAccount = accounts.find((account) => account.username === admin.userid)!;
      await api('PATCH', `/api/v1/accounts/${adminAccount.id}`, { consoleRole: 'admin' });
      const options = (await (await fetch(`${baseUrl}/api/v1/console/sign-in-options`)).json()) as { dingtalk: { name: string }[] };
      expect(options.dingtalk.map((b) => b.name)).toEqual(['Console sign-in corp']);
    }, 30_000);

    it.skipIf(skipReason !== '')(skipReason || 'signs a console administrator in with DingTalk, and out (en)', async () => {
      await signInWithDingTalk('en', admin, async (page, shot) => {
        await page.waitForSelector(`[data-testid=signed-in-as][data-kind=dingtalk]:has-text("${admin.name}")`);
        await page.waitForSelector('[data-testid=overview-held]');
        expect(new URL(page.url()).search).toBe(''); // the return marker is gone, so a reload does not exchange again
        await shot('signed-in');
        const minted = await page.evaluate(() => sessionStorage.getItem('dingbridge.adminToken'));
        expect(minted).toMatch(/^dbt_/);

        await page.click('[data-testid=sign-out]');
        await page.waitForSelector('[data-testid=token]');
        const answer = await fetch(`${baseUrl}/api/v1/bindings`, { headers: { authorization: `Bearer ${minted}` } });
        expect(answer.status).toBe(401);
      });
      // The local token was not touched by the console sign-out.
      expect((await api<{ items: unknown[] }>('GET', '/api/v1/bindings')).items).toHaveLength(1);
    }, 60_000);

    it.skipIf(skipReason !== '')(skipReason || 'refuses a person without the console role, saying how to grant it (zh-CN)', async () => {
      await signInWithDingTalk('zh-CN', outsider, async (page, shot) => {
        await page.waitForSelector('[data-testid=not-admin]');
        const text = await page.textContent('[data-testid=not-admin]');
        expect(text).toContain('您的账号不是控制台管理员');
        expect(text).toContain(outsider.name);
        expect(text).toMatch(/dingbridge accounts update [0-9a-f-]{36} --console-role admin/);
        await shot('not-admin');
        await expectAccessible(page, 'refusal (zh-CN)');
        expect(await page.evaluate(() => sessionStorage.getItem('dingbridge.adminToken'))).toBeNull();
      });
    }, 60_000);
  });
}

/** Runs axe in the page; serious and critical violations fail the test, listed by rule and element. */
async function expectAccessible(page: Page, where: string): Promise<void> {
  await page.addScriptTag({ content: AXE_SOURCE });
  const violations = await page.evaluate(async () => {
    // Runs in the page; the test's own types have no DOM, and the page's `axe` is what the tag above installed.
    const axe = (globalThis as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<{ violations: { id: string; impact: string | null; nodes: { target: unknown }[] }[] }> } }).axe;
    const result = await axe.run('html', { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)) }));
  });
  expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'), `axe on ${where}`).toEqual([]);
}
