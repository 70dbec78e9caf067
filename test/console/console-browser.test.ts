/**
 * The admin console in a real browser (Debian's chromium through playwright-core) against `serve()` — the server
 * `npm start` runs, with the console built into web/dist — and the DingTalk emulator, once in English and once in
 * Chinese: sign in with the admin token, a binding added through the API, its permission check and a full sync
 * started from the console and watched to the end, 30 % of the people leaving so the next sync is held and approved
 * from the console, a person found in the directory. Screenshots of each page go to `test/artifacts/` (gitignored);
 * axe (injected into the page) finds no serious or critical violation on any of them. Skipped, saying so, where
 * chromium is not installed.
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
import { API_ROUTES, openApiPath } from '../../web/src/api-routes.ts';
import { useEmulator, type EmulatorHandle } from '../support/emulator.ts';
import { createScratchPostgresDatabase, testDatabaseKinds, type ScratchDatabase } from '../support/test-database.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = new URL('../artifacts/', import.meta.url).pathname;
const hasChromium = existsSync(CHROMIUM);
const hasBuild = existsSync(join(CONSOLE_DIST_DIR, 'index.html'));
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const USERS = 40;

const skipReason = !hasChromium
  ? `SKIPPED: no chromium at ${CHROMIUM} (apt-get install chromium)`
  : !hasBuild
    ? 'SKIPPED: the console is not built (npm run build:web)'
    : '';

for (const kind of testDatabaseKinds) {
  describe(`the admin console in a browser (${kind})`, () => {
    // One organization per language, so each language binds, syncs and approves from a fresh start.
    const emulators: Record<'en' | 'zh-CN', EmulatorHandle> = {
      en: useEmulator({ seed: `console-en-${kind}`, users: USERS, qps: 0 }),
      'zh-CN': useEmulator({ seed: `console-zh-${kind}`, users: USERS, qps: 0 }),
    };
    let dataDir: string;
    let scratch: ScratchDatabase | undefined;
    let stop: (() => Promise<void>) | undefined;
    let baseUrl: string;
    let token: string;
    let browser: Browser | undefined;

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'dingbridge-console-'));
      scratch = kind === 'postgres' ? await createScratchPostgresDatabase() : undefined;
      const lines: string[] = [];
      const config = loadConfig(
        {
          DATA_DIR: dataDir,
          PORT: '0',
          LOG_LEVEL: 'warn',
          ...(scratch ? { DATABASE_URL: scratch.url, DINGBRIDGE_SECRET_KEY: 'c'.repeat(64) } : {}),
        },
        { onWarning: () => {} },
      );
      stop = await serve(config, { logger: pino({ level: 'warn' }), print: (line) => lines.push(line) });
      baseUrl = /listening on (http:\/\/\S+)/.exec(lines.join('\n'))![1]!;
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

    it('calls only admin API routes that /openapi.json documents, with their methods', async () => {
      const document = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
      for (const [name, route] of Object.entries(API_ROUTES)) {
        const path = openApiPath(route.path);
        expect(document.paths[path]?.[route.method.toLowerCase()], `${name}: ${route.method} ${path}`).toBeDefined();
      }
    });

    for (const lang of ['en', 'zh-CN'] as const) {
      it.skipIf(skipReason !== '')(skipReason || `binds, syncs, approves a held run and finds a person, in ${lang}`, async () => {
        const emulator = emulators[lang];
        const context = await browser!.newContext({ locale: lang, viewport: { width: 1280, height: 900 }, bypassCSP: true }); // axe is injected inline
        const page = await context.newPage();
        page.setDefaultTimeout(15_000);
        const shot = async (name: string) => {
          mkdirSync(ARTIFACTS, { recursive: true });
          await page.screenshot({ path: join(ARTIFACTS, `console-${name}-${lang}-${kind}.png`), fullPage: true });
          await expectAccessible(page, `${name} (${lang})`);
        };
        try {
          // Sign-in: the browser's language picks the console's; a wrong token is refused on the page.
          await page.goto(baseUrl);
          expect(await page.getAttribute('html', 'lang')).toBe(lang);
          await page.fill('[data-testid=token]', 'dbt_wrong');
          await page.click('[data-testid=sign-in]');
          await page.waitForSelector('[role=alert]');
          await shot('sign-in');
          await page.fill('[data-testid=token]', token);
          await page.click('[data-testid=sign-in]');
          await page.waitForSelector('[data-testid=sign-out]');

          // A binding added through the API, then checked and synced from its page.
          const binding = await api<{ id: string }>('POST', '/api/v1/bindings', {
            name: `Console corp ${lang}`,
            corpId: emulator.corpId,
            appKey: emulator.appKey,
            appSecret: emulator.appSecret,
            apiBase: emulator.url,
            thresholds: { maxDeletePercent: 20 },
          });
          await page.click('[data-testid=nav] >> text=' + (lang === 'en' ? 'Bindings' : '钉钉绑定'));
          await page.click(`a[href="/bindings/${binding.id}"]`);
          await page.click('[data-testid=run-check]');
          await page.waitForSelector('[data-testid=check-report][data-ok=true]');
          await shot('binding');
          await page.click('[data-testid=run-sync]');
          await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
          await page.waitForSelector('[data-testid=run-progress][data-status=succeeded]');
          expect(Number(await page.textContent('[data-testid=run-applied]'))).toBeGreaterThan(USERS);
          await shot('run');

          // 30 % leave: the next sync is held by the guard (20 % allowed) and approved from the console.
          await emulator.control('POST', '/org/departures', { count: Math.round(USERS * 0.3) });
          const held = await api<{ id: string }>('POST', `/api/v1/bindings/${binding.id}/sync`, {});
          await expect.poll(async () => (await api<{ status: string }>('GET', `/api/v1/runs/${held.id}`)).status, { timeout: 20_000 }).toBe('held');
          await page.click('[data-testid=nav] >> text=' + (lang === 'en' ? 'Overview' : '概览'));
          await page.waitForSelector(`[data-testid=overview-held] a[href="/runs/${held.id}"]`);
          await shot('overview');
          await page.click(`[data-testid=overview-held] a[href="/runs/${held.id}"]`);
          await page.waitForSelector('[data-testid=run-guard]');
          await shot('held-run');
          await page.click('[data-testid=approve]');
          await page.waitForSelector('[data-testid=run-progress][data-status=succeeded]');

          await page.click('[data-testid=nav] >> text=' + (lang === 'en' ? 'Runs' : '同步任务'));
          await page.waitForSelector(`a[href="/runs/${held.id}"]`);
          await shot('runs');

          // A person who stayed, found by name in the directory.
          const org = await emulator.control<{ users: { name: string; userid: string; active: boolean }[] }>('GET', '/org');
          const left = new Set((await api<{ items: { username: string; status: string }[] }>('GET', '/api/v1/accounts?limit=500')).items.filter((a) => a.status === 'disabled').map((a) => a.username));
          const person = org.users.find((user) => !left.has(user.userid) && !org.users.some((other) => other !== user && other.name.includes(user.name)))!;
          await page.click('[data-testid=nav] >> text=' + (lang === 'en' ? 'Directory' : '组织架构'));
          await page.waitForSelector('[data-testid=unit-tree]');
          await page.fill('[data-testid=account-search] input', person.name);
          await page.press('[data-testid=account-search] input', 'Enter');
          await page.waitForSelector(`[data-testid=accounts] td a:text-is("${person.name}")`);
          await shot('directory');

          await page.click('[data-testid=sign-out]');
          await page.waitForSelector('[data-testid=token]');
        } catch (error) {
          mkdirSync(ARTIFACTS, { recursive: true });
          await page.screenshot({ path: join(ARTIFACTS, `console-failure-${lang}-${kind}.png`), fullPage: true }).catch(() => undefined);
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
