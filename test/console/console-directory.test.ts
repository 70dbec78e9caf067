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
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useEmulator, type EmulatorHandle } from '../support/emulator.ts';
import { testDatabaseKinds } from '../support/test-database.ts';
import { languagesOn, skipReason, useConsoleServer, type Lang } from './console-harness.ts';

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
    const emulators: Record<Lang, EmulatorHandle> = {
      en: useEmulator({ seed: `directory-en-${kind}`, users: 12, qps: 0 }),
      'zh-CN': useEmulator({ seed: `directory-zh-${kind}`, users: 12, qps: 0 }),
    };
    const server = useConsoleServer(kind);

    for (const lang of languagesOn(kind)) {
      it.skipIf(skipReason !== '')(skipReason || `shows a person's page, edits locally, pushes outbound and retries, in ${lang}`, async () => {
        const emulator = emulators[lang];
        const en = lang === 'en';
        const opened = await server.open(lang, `directory-${kind}`);
        const { page, shot } = opened;
        let failed = true;
        const okInDialog = () => page.click('.ant-modal-wrap:not([style*="display: none"]) .ant-modal-footer .ant-btn-primary');
        try {
          // A synced organization (through the API).
          const { binding, run } = await server.bindAndSync<{ id: string; name: string; corpId: string; targetUnitId: string }>(emulator, {
            name: `Directory corp ${lang}`,
          });

          await page.goto(server.baseUrl);
          await page.fill('[data-testid=token]', server.token);
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
          await page.waitForSelector(`[data-testid=account-history] td span[title="account.create"]`);
          // The operation is named in the reader's language (its code stays in the title).
          expect(await page.textContent(`[data-testid=account-history] td span[title="account.create"]`)).toBe(lang === 'en' ? 'Create account' : '新建账号');
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
          const target = await server.api<{ name: string }>('GET', `/api/v1/units/${binding.targetUnitId}`);
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
          await page.goto(`${server.baseUrl}/bindings/${binding.id}`);
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
            .poll(async () => (await server.api<{ outbound: unknown }>('GET', `/api/v1/bindings/${binding.id}`)).outbound)
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
          // The push's message gone first: fading out, axe reads it as low contrast.
          await page.waitForSelector('.ant-message-notice-wrapper, .ant-message-notice', { state: 'detached' });
          await shot('outbound');

          // DingTalk refuses the next update: the push fails with its reason, then is retried from the log.
          await emulator.control('PUT', '/faults', { errorRate: 1, errcode: 60011, apis: ['topapi/v2/user/update'] });
          await page.goto(`${server.baseUrl}/directory/accounts/${localId}`);
          await page.click('[data-testid=account-edit]');
          await page.fill('[data-testid=account-title]', en ? 'Senior technician' : '高级技术员');
          await okInDialog();
          await page.waitForSelector(`[data-testid=account-fields] >> text=${en ? 'Senior technician' : '高级技术员'}`);
          await expect
            .poll(async () => (await server.api<{ outbox: { failed: number } }>('GET', `/api/v1/bindings/${binding.id}/outbound/log`)).outbox.failed, { timeout: 20_000 })
            .toBe(1);
          await page.reload();
          await page.waitForSelector('[data-testid=account-history] [data-status=failed]');
          await page.goto(`${server.baseUrl}/bindings/${binding.id}/outbound`);
          await page.waitForSelector('[data-testid=outbound-entries] [data-status=failed]');
          expect(await page.textContent('[data-testid=outbound-entries]')).toContain('60011');
          await shot('outbound-failed');
          await emulator.control('DELETE', '/faults');
          await page.click('[data-testid=outbound-retry]');
          await expect.poll(async () => (await pushed())?.title, { timeout: 20_000 }).toBe(en ? 'Senior technician' : '高级技术员');
          type OutboundLog = { entries: { objectId: string; status: string }[]; outbox: { failed: number; pending: number } };
          // DingTalk has the write before the delivery commits: the outbox empties a moment later.
          await expect
            .poll(async () => (await server.api<OutboundLog>('GET', `/api/v1/bindings/${binding.id}/outbound/log`)).outbox, { timeout: 20_000 })
            .toEqual({ failed: 0, pending: 0 });
          const log = await server.api<OutboundLog>('GET', `/api/v1/bindings/${binding.id}/outbound/log`);
          expect(log.entries.filter((entry) => entry.objectId === localId).map((entry) => entry.status).slice(0, 2)).toEqual(['delivered', 'failed']);
          const synced = await server.api<Account>('GET', `/api/v1/accounts/${localId}`);
          expect(synced.links.map((link) => link.userid)).toHaveLength(1);
          failed = false;
        } finally {
          await emulator.control('DELETE', '/faults').catch(() => undefined);
          await opened.close(failed);
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
