/**
 * The admin console in a real browser (Debian's chromium through playwright-core) against `serve()` and the DingTalk
 * emulator, once in English and once in Chinese, on each database: sign in, bind the organization through the
 * wizard — the emulator withholds a permission, the check names it, it is granted back and "Check again" passes; the
 * mapping preview shows real emulator people; HTTP push is chosen and the shown Request URL, token and AES key are
 * registered in the emulator, whose check_url turns the indicator green — finish with "full sync now" and watch the
 * run succeed; 30 % of the people leave so the next sync is held and approved from the console; a person is found
 * in the directory. Screenshots of each page and wizard step go to `test/artifacts/` (gitignored); axe finds no
 * serious or critical violation on any of them.
 */
import { describe, expect, it } from 'vitest';
import { API_ROUTES, openApiPath } from '../../web/src/api-routes.ts';
import { useEmulator, type EmulatorHandle } from '../support/emulator.ts';
import { testDatabaseKinds } from '../support/test-database.ts';
import { languagesOn, signIn, skipReason, useConsoleServer, type Lang } from './console-harness.ts';

const USERS = 40;
/** A permission the check probes (§4.4 `topapi/v2/user/get`), withheld by the emulator at first. */
const WITHHELD = 'qyapi_get_member';

interface OrgUser {
  userid: string;
  name: string;
  active: boolean;
}

for (const kind of testDatabaseKinds) {
  describe(`the admin console in a browser (${kind})`, () => {
    // One organization per language, so each language binds, syncs and approves from a fresh start.
    const emulators: Record<Lang, EmulatorHandle> = {
      en: useEmulator({ seed: `console-en-${kind}`, users: USERS, qps: 0 }),
      'zh-CN': useEmulator({ seed: `console-zh-${kind}`, users: USERS, qps: 0 }),
    };
    const server = useConsoleServer(kind);

    it('calls only admin API routes that /openapi.json documents, with their methods', async () => {
      const document = (await (await fetch(`${server.baseUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
      for (const [name, route] of Object.entries(API_ROUTES)) {
        const path = openApiPath(route.path);
        expect(document.paths[path]?.[route.method.toLowerCase()], `${name}: ${route.method} ${path}`).toBeDefined();
      }
    });

    for (const lang of languagesOn(kind)) {
      it.skipIf(skipReason !== '')(skipReason || `binds through the wizard, syncs, approves a held run and finds a person, in ${lang}`, async () => {
        const emulator = emulators[lang];
        const en = lang === 'en';
        const opened = await server.open(lang, kind);
        const { page, shot } = opened;
        let failed = true;
        try {
          await signIn(opened, server.token, server.baseUrl, lang);

          // Step 1: basic information and the live test, with one permission withheld by DingTalk.
          await emulator.control('PUT', `/apps/${emulator.appKey}/permissions`, { revoked: [WITHHELD] });
          await page.click('[data-testid=nav] >> text=' + (en ? 'Bindings' : '钉钉绑定'));
          await page.click('[data-testid=new-binding]');
          await page.waitForURL(/\/bindings\/new$/);
          const name = `Console corp ${lang}`;
          // "Advanced" first: its opening animation moves the buttons below it.
          await page.click('[data-testid=wizard-advanced]');
          await page.fill('[data-testid=wizard-api-base]', emulator.url);
          await page.fill('[data-testid=wizard-name]', name);
          await page.fill('[data-testid=wizard-corp-id]', emulator.corpId);
          await page.fill('[data-testid=wizard-app-key]', emulator.appKey);
          await page.fill('[data-testid=wizard-app-secret]', 'not-the-secret');
          await page.click('[data-testid=wizard-test]');
          await page.waitForSelector('[data-testid=wizard-test-report] tr[data-key=credentials][data-status=failed]');
          expect(await page.isDisabled('[data-testid=wizard-basic-next]')).toBe(true);
          await page.fill('[data-testid=wizard-app-secret]', emulator.appSecret);
          await page.click('[data-testid=wizard-test]');
          await page.waitForSelector('[data-testid=wizard-test-report] tr[data-key=credentials][data-status=ok]');
          await page.waitForSelector(`[data-testid=wizard-test-report] tr[data-key="permission:${WITHHELD}"][data-status=missing]`);
          await shot('wizard-basic');

          // A failed save keeps the form and shows the API's message: the organization is bound already (through the
          // API, unverified), then unbound again.
          const squatter = await server.api<{ id: string }>('POST', '/api/v1/bindings?verify=false', {
            name: `Squatter ${lang}`,
            corpId: emulator.corpId,
            appKey: 'squatter-app',
            appSecret: 'squatter-secret',
          });
          await page.click('[data-testid=wizard-basic-next]');
          expect(await (await page.waitForSelector('[role=alert]:has-text("binding.corp_id_taken")')).textContent()).toContain(emulator.corpId);
          expect(await page.inputValue('[data-testid=wizard-name]')).toBe(name);
          expect(await page.inputValue('[data-testid=wizard-app-secret]')).toBe(emulator.appSecret);
          await server.api('DELETE', `/api/v1/bindings/${squatter.id}`);
          await page.click('[data-testid=wizard-basic-next]');

          // Step 2: the saved binding's check names the missing permission; going on asks first; granted, it passes.
          const missing = `[data-testid=wizard-check-report] tr[data-key="permission:${WITHHELD}"][data-status=missing]`;
          await page.waitForSelector(missing);
          expect(await page.textContent(missing)).toContain(WITHHELD);
          await shot('wizard-check');
          await page.click('[data-testid=wizard-check-next]');
          await page.waitForSelector('[data-testid=wizard-check-confirm]');
          await page.getByRole('button', { name: en ? 'Stay and fix' : '返回修复' }).click();
          await emulator.control('PUT', `/apps/${emulator.appKey}/permissions`, { granted: [WITHHELD] });
          await page.click('[data-testid=wizard-check-again]');
          await page.waitForSelector('[data-testid=wizard-check-report][data-ok=true]');
          await page.click('[data-testid=wizard-check-next]');

          // Step 3: the target node is the unit made for the binding; HTTP push; full sync now (the default).
          await page.waitForSelector('[data-testid=wizard-step-3]:not([hidden])');
          expect(await page.textContent('[data-testid=wizard-target-unit]')).toBe(name);
          await page.check('[data-testid=wizard-step-3] input[type=radio][value=http]');
          await shot('wizard-scenarios');
          // Outbound needs the write permission, which the app lacks here: named before going on; turned off again.
          await emulator.control('PUT', `/apps/${emulator.appKey}/permissions`, { revoked: ['qyapi_manage_addresslist'] });
          await page.click('[data-testid=wizard-outbound]');
          await page.click('[data-testid=wizard-scenarios-next]');
          expect(await (await page.waitForSelector('[data-testid=wizard-write-permission]')).textContent()).toContain('qyapi_manage_addresslist');
          await page.click('[data-testid=wizard-outbound]');
          await page.click('[data-testid=wizard-scenarios-next]');

          // Step 4: a bad expression gets the parser's message at its row; the preview shows real people.
          await page.waitForSelector('[data-testid=wizard-step-4]:not([hidden])');
          await page.fill('[data-testid=wizard-source-email]', 'org_email |');
          await page.click('[data-testid=wizard-preview]');
          expect(await (await page.waitForSelector('[data-testid=wizard-source-error-email]')).textContent()).toContain('not a mapping expression');
          await page.fill('[data-testid=wizard-source-email]', 'org_email | email');
          await page.click('[data-testid=wizard-preview]');
          const row = await page.waitForSelector('[data-testid=wizard-preview-table] tr[data-userid]');
          const userid = (await row.getAttribute('data-userid'))!;
          const org = await emulator.control<{ users: OrgUser[] }>('GET', '/org');
          const real = org.users.find((user) => user.userid === userid)!;
          expect(await row.textContent()).toContain(real.name);
          expect(await row.getAttribute('data-outcome')).toBe('create');
          await shot('wizard-mapping');
          await page.click('[data-testid=wizard-mapping-next]');

          // Step 5: what the page shows is what DingTalk gets; its check_url turns the indicator green.
          const requestUrl = await (await page.waitForSelector('[data-testid=wizard-request-url]')).textContent();
          expect(requestUrl).toBe(`${server.baseUrl}/callback/idp/dingtalk/orgapp/${emulator.corpId}`);
          expect(await page.getAttribute('[data-testid=wizard-live]', 'data-live')).toBe('false');
          await emulator.control('PUT', `/apps/${emulator.appKey}/events`, {
            mode: 'http',
            url: requestUrl,
            token: await page.textContent('[data-testid=wizard-callback-token]'),
            aesKey: await page.textContent('[data-testid=wizard-aes-key]'),
          });
          await page.waitForSelector('[data-testid=wizard-live][data-live=true]');
          await shot('wizard-events');
          await page.click('[data-testid=wizard-finish]');

          // Finish with "full sync now": the first run's page, watched to the end.
          await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
          await page.waitForSelector('[data-testid=run-progress][data-status=succeeded]', { timeout: 30_000 });
          expect(Number(await page.textContent('[data-testid=run-applied]'))).toBeGreaterThan(USERS);
          await shot('run');
          const binding = (await server.api<{ items: { id: string; corpId: string; events: { mode: string } }[] }>('GET', '/api/v1/bindings')).items.find(
            (b) => b.corpId === emulator.corpId,
          )!;
          expect(binding.events.mode).toBe('http');

          // The binding's page and its check.
          await page.click('[data-testid=nav] >> text=' + (en ? 'Bindings' : '钉钉绑定'));
          await page.click(`a[href="/bindings/${binding.id}"]`);
          await page.click('[data-testid=run-check]');
          await page.waitForSelector('[data-testid=check-report][data-ok=true]');
          await shot('binding');

          // 30 % leave: the next sync is held by the guard (10 % allowed by default) and approved from the console.
          // DingTalk stops pushing first, so the departures reach Dingbridge only through that sync.
          await emulator.control('PUT', `/apps/${emulator.appKey}/events`, { mode: 'none' });
          await emulator.control('POST', '/org/departures', { count: Math.round(USERS * 0.3) });
          const held = await server.api<{ id: string }>('POST', `/api/v1/bindings/${binding.id}/sync`, {});
          await expect.poll(async () => (await server.api<{ status: string }>('GET', `/api/v1/runs/${held.id}`)).status, { timeout: 20_000 }).toBe('held');
          await page.click('[data-testid=nav] >> text=' + (en ? 'Overview' : '概览'));
          await page.waitForSelector(`[data-testid=overview-held] a[href="/runs/${held.id}"]`);
          await shot('overview');
          await page.click(`[data-testid=overview-held] a[href="/runs/${held.id}"]`);
          await page.waitForSelector('[data-testid=run-guard]');
          await shot('held-run');
          await page.click('[data-testid=approve]');
          await page.waitForSelector('[data-testid=run-progress][data-status=succeeded]');

          await page.click('[data-testid=nav] >> text=' + (en ? 'Runs' : '同步任务'));
          await page.waitForSelector(`a[href="/runs/${held.id}"]`);
          await shot('runs');

          // A person who stayed, found by name in the directory.
          const left = new Set(
            (await server.api<{ items: { username: string; status: string }[] }>('GET', '/api/v1/accounts?limit=500')).items
              .filter((a) => a.status === 'disabled')
              .map((a) => a.username),
          );
          const stayed = (await emulator.control<{ users: OrgUser[] }>('GET', '/org')).users;
          const person = stayed.find((user) => !left.has(user.userid) && !stayed.some((other) => other !== user && other.name.includes(user.name)))!;
          await page.click('[data-testid=nav] >> text=' + (en ? 'Directory' : '组织架构'));
          await page.waitForSelector('[data-testid=unit-tree]');
          await page.fill('[data-testid=account-search] input', person.name);
          await page.press('[data-testid=account-search] input', 'Enter');
          await page.waitForSelector(`[data-testid=accounts] td a:text-is("${person.name}")`);
          await shot('directory');

          await page.click('[data-testid=sign-out]');
          await page.waitForSelector('[data-testid=token]');
          failed = false;
        } finally {
          await opened.close(failed);
        }
      }, 90_000);
    }
  });
}
