/**
 * The directory and outbound pages of the console in a real browser (Debian's chromium through playwright-core)
 * against `serve()` and the DingTalk emulator, in English and in Chinese, on PGlite and (with TEST_DATABASE_URL)
 * PostgreSQL: after a sync (through the API), a synced person's page shows the DingTalk link, memberships and the
 * sync operation in its history, and DingTalk-owned fields read-only in the edit dialog; a local unit and a local
 * account in it are created and edited from the console; outbound is turned on for that unit, everything in scope
 * is pushed after a dry-run preview and arrives in the emulator's organization; a push DingTalk refuses (emulator
 * fault) shows as failed with its reason and is retried from the log. Screenshots into `test/artifacts/`, axe on
 * each page. Skipped, saying so, without chromium or a console build.
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

interface Account {
  id: string;
  username: string;
  displayName: string;
  title: string | null;
  links: { userid: string }[];
}
interface OrgUser {
  userid: string;
  name: string;
  title?: string;
}

for (const kind of testDatabaseKinds) {
  describe(`the console's directory and outbound pages (${kind})`, () => {
    const emulators: Record<'en' | 'zh-CN', EmulatorHandle> = {
      en: useEmulator({ seed: `directory-en-${kind}`, users: 12, qps: 0 }),
      'zh-CN': useEmulator({ seed: `directory-zh-${kind}`, users: 12, qps: 0 }),
    };
    let dataDir: string;
    let scratch: ScratchDatabase | undefined;
    let stop: (() => Promise<void>) | undefined;
    let baseUrl: string;
    let token: string;
    let browser: Browser | undefined;

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'dingbridge-console-directory-'));
      scratch = kind === 'postgres' ? await createScratchPostgresDatabase() : undefined;
      const lines: string[] = [];
      const config = loadConfig(
        {
          DATA_DIR: dataDir,
          PORT: '0',
          LOG_LEVEL: 'warn',
          ...(scratch ? { DATABASE_URL: scratch.url, DINGBRIDGE_SECRET_KEY: 'd'.repeat(64) } : {}),
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

    for (const lang of ['en', 'zh-CN'] as const) {
      it.skipIf(skipReason !== '')(skipReason || `shows a person's page, edits locally, pushes outbound and retries, in ${lang}`, async () => {
        const emulator = emulators[lang];
        const en = lang === 'en';
        const context = await browser!.newContext({ locale: lang, viewport: { width: 1280, height: 900 }, bypassCSP: true }); // axe is injected inline
        const page = await context.newPage();
        page.setDefaultTimeout(15_000);
        const shot = async (name: string) => {
          mkdirSync(ARTIFACTS, { recursive: true });
          await page.screenshot({ path: join(ARTIFACTS, `console-${name}-${lang}-${kind}.png`), fullPage: true });
          await expectAccessible(page, `${name} (${lang})`);
        };
        const okInDialog = () => page.click('.ant-modal-wrap:not([style*="display: none"]) .ant-modal-footer .ant-btn-primary');
        try {
          // A synced organization (through the API).
          const binding = await api<{ id: string; name: string; corpId: string; targetUnitId: string }>('POST', '/api/v1/bindings', {
            name: `Directory corp ${lang}`,
            corpId: emulator.corpId,
            appKey: emulator.appKey,
            appSecret: emulator.appSecret,
            apiBase: emulator.url,
          });
          const run = await api<{ id: string }>('POST', `/api/v1/bindings/${binding.id}/sync`, {});
          await expect.poll(async () => (await api<{ status: string }>('GET', `/api/v1/runs/${run.id}`)).status, { timeout: 20_000 }).toBe('succeeded');

          await page.goto(baseUrl);
          await page.fill('[data-testid=token]', token);
          await page.click('[data-testid=sign-in]');
          await page.waitForSelector('[data-testid=sign-out]');

          // A synced person, found in the directory, opened on their page.
          const org = await emulator.control<{ users: OrgUser[] }>('GET', '/org');
          const person = org.users.find((user) => !org.users.some((other) => other !== user && other.name.includes(user.name)))!;
          await page.click('[data-testid=nav] >> text=' + (en ? 'Directory' : '组织架构'));
          await page.fill('[data-testid=account-search] input', person.name);
          await page.press('[data-testid=account-search] input', 'Enter');
          await page.click(`[data-testid=account-link]:text-is("${person.name}")`);
          await page.waitForURL(/\/directory\/accounts\/[0-9a-f-]{36}$/);
          await page.waitForSelector(`[data-testid=account-links] td:text-is("${person.userid}")`);
          expect(await page.textContent('[data-testid=account-links]')).toContain(emulator.corpId);
          expect(await page.locator('[data-testid=account-memberships] tbody tr').count()).toBeGreaterThan(0);
          await page.waitForSelector(`[data-testid=account-history] td:text-is("account.create")`);
          expect(await page.locator(`[data-testid=account-history] a[href="/runs/${run.id}"]`).count()).toBeGreaterThan(0);
          await page.waitForSelector('[data-testid=account-owned]');
          await shot('account');

          // DingTalk owns the name (default mapping), not the username: read-only with the reason, in the edit dialog.
          await page.click('[data-testid=account-edit]');
          await page.waitForSelector('[data-testid=account-form]');
          expect(await page.isDisabled('[data-testid=account-displayName]')).toBe(true);
          expect(await page.isDisabled('[data-testid=account-username]')).toBe(false);
          expect(await page.textContent('[data-testid=account-form]')).toContain(binding.name);
          await settled(page);
          await shot('account-edit');
          await page.keyboard.press('Escape');

          // A local unit under the binding's target unit, and a local account in it, made and edited here.
          const target = await api<{ name: string }>('GET', `/api/v1/units/${binding.targetUnitId}`);
          await page.click('[data-testid=nav] >> text=' + (en ? 'Directory' : '组织架构'));
          await page.locator('[data-testid=unit-tree] .ant-tree-title', { hasText: new RegExp(`^${escapeRegExp(target.name)} \\(`) }).click();
          await page.waitForSelector('[data-testid=unit-selected]');
          await page.click('[data-testid=unit-add]');
          const unitName = en ? 'Field team' : '外勤组';
          await page.fill('[data-testid=unit-name]', unitName);
          await okInDialog(); // the new unit is selected
          await page.waitForSelector(`[data-testid=unit-selected]:has-text("${unitName}")`);
          await settled(page);
          await shot('directory-unit');

          const local = { username: `field.${lang}`, displayName: en ? 'Field Worker' : '外勤员工' };
          await page.click('[data-testid=account-add]');
          await page.fill('[data-testid=account-username]', 'has space'); // refused as the API would, before any call
          await page.fill('[data-testid=account-displayName]', local.displayName);
          await okInDialog();
          await page.waitForSelector('[data-testid=account-form] .ant-form-item-explain-error');
          await page.fill('[data-testid=account-username]', local.username);
          await page.fill('[data-testid=account-mobile]', en ? '+86 139 0000 1001' : '+86 139 0000 2002');
          await okInDialog();
          await page.waitForURL(/\/directory\/accounts\/[0-9a-f-]{36}$/);
          const localId = page.url().split('/').pop()!;
          await page.waitForSelector(`[data-testid=account-memberships] td:has-text("${unitName}")`);
          await page.click('[data-testid=account-edit]');
          expect(await page.isDisabled('[data-testid=account-displayName]')).toBe(false);
          await page.fill('[data-testid=account-title]', en ? 'Technician' : '技术员');
          await okInDialog();
          await page.waitForSelector(`[data-testid=account-fields] >> text=${en ? 'Technician' : '技术员'}`);

          // Outbound on for that unit, then everything in scope pushed after a preview.
          await page.goto(`${baseUrl}/bindings/${binding.id}`);
          await page.click('[data-testid=open-outbound]');
          await page.waitForURL(new RegExp(`/bindings/${binding.id}/outbound$`));
          await page.click('[data-testid=outbound-enabled]');
          await page.click('[data-testid=outbound-scope] label:has(input[value=units])');
          await page.click('[data-testid=outbound-units]');
          await page.keyboard.type(unitName);
          await page.click(`.ant-select-tree-title:text-is("${unitName}")`);
          await page.keyboard.press('Escape');
          await page.click('[data-testid=outbound-save]');
          await expect
            .poll(async () => (await api<{ outbound: unknown }>('GET', `/api/v1/bindings/${binding.id}`)).outbound)
            .toMatchObject({ enabled: true, units: { kind: 'units', units: [{ subtree: true }] } });
          await page.click('[data-testid=outbound-addition]');
          await page.waitForSelector(`[data-testid=outbound-preview] li:has-text("${local.username}")`);
          expect(await page.textContent('[data-testid=outbound-preview]')).toContain(unitName);
          await settled(page);
          await shot('outbound-preview');
          await okInDialog();
          await page.waitForSelector('[data-testid=outbound-log][data-pending="0"]', { timeout: 20_000 });
          await page.waitForSelector(`[data-testid=outbound-entries] tr:has-text("${local.displayName}") [data-status=delivered]`);
          const pushed = async () => (await emulator.control<{ users: OrgUser[] }>('GET', '/org')).users.find((user) => user.name === local.displayName);
          expect(await pushed()).toMatchObject({ title: en ? 'Technician' : '技术员' });
          await shot('outbound');

          // DingTalk refuses the next update: the push fails with its reason, then is retried from the log.
          await emulator.control('PUT', '/faults', { errorRate: 1, errcode: 60011, apis: ['topapi/v2/user/update'] });
          await page.goto(`${baseUrl}/directory/accounts/${localId}`);
          await page.click('[data-testid=account-edit]');
          await page.fill('[data-testid=account-title]', en ? 'Senior technician' : '高级技术员');
          await okInDialog();
          await page.waitForSelector(`[data-testid=account-fields] >> text=${en ? 'Senior technician' : '高级技术员'}`);
          await expect
            .poll(async () => (await api<{ outbox: { failed: number } }>('GET', `/api/v1/bindings/${binding.id}/outbound/log`)).outbox.failed, { timeout: 20_000 })
            .toBe(1);
          await page.reload();
          await page.waitForSelector('[data-testid=account-history] [data-status=failed]');
          await page.goto(`${baseUrl}/bindings/${binding.id}/outbound`);
          await page.waitForSelector('[data-testid=outbound-entries] [data-status=failed]');
          expect(await page.textContent('[data-testid=outbound-entries]')).toContain('60011');
          await shot('outbound-failed');
          await emulator.control('DELETE', '/faults');
          await page.click('[data-testid=outbound-retry]');
          await expect.poll(async () => (await pushed())?.title, { timeout: 20_000 }).toBe(en ? 'Senior technician' : '高级技术员');
          const log = await api<{ entries: { objectId: string; status: string }[]; outbox: { failed: number; pending: number } }>(
            'GET',
            `/api/v1/bindings/${binding.id}/outbound/log`,
          );
          expect(log.outbox).toEqual({ failed: 0, pending: 0 });
          expect(log.entries.filter((entry) => entry.objectId === localId).map((entry) => entry.status).slice(0, 2)).toEqual(['delivered', 'failed']);
          const synced = await api<Account>('GET', `/api/v1/accounts/${localId}`);
          expect(synced.links.map((link) => link.userid)).toHaveLength(1);
        } catch (error) {
          mkdirSync(ARTIFACTS, { recursive: true });
          await page.screenshot({ path: join(ARTIFACTS, `console-directory-failure-${lang}-${kind}.png`), fullPage: true }).catch(() => undefined);
          throw error;
        } finally {
          await emulator.control('DELETE', '/faults').catch(() => undefined);
          await context.close();
        }
      }, 90_000);
    }
  });
}

/** Waits out antd's dialog animation, so a screenshot and axe see the dialog as the user does. */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): unknown } }).document.querySelector('.ant-zoom-appear, .ant-zoom-enter, .ant-zoom-leave') === null);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
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
