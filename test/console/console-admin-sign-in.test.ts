/**
 * Signing in to the admin console with DingTalk, in a real browser (Debian's chromium through playwright-core)
 * against `serve()` and the emulator: a binding offering QR sign-in, a synced person granted the console role. The
 * console's "Sign in with DingTalk" → the emulator's login page → pick the person → back in the console, signed in as
 * them, the overview shown; signing out revokes the token. A person without the role is refused with the command that
 * grants it. Both in each language `languagesOn` gives the database. Screenshots go to `test/artifacts/`; axe finds
 * no serious or critical violation on any of them. Skipped, saying so, without chromium or a console build.
 */
import { describe, expect, it } from 'vitest';
import { useEmulator } from '../support/emulator.ts';
import { testDatabaseKinds } from '../support/test-database.ts';
import { languagesOn, skipReason, useConsoleServer, type ConsolePage, type Lang } from './console-harness.ts';

const TEXT = {
  en: { dingtalk: 'Sign in with DingTalk', notAdmin: 'Your account is not a console administrator' },
  'zh-CN': { dingtalk: '使用钉钉登录', notAdmin: '您的账号不是控制台管理员' },
} as const;

interface Person {
  userid: string;
  name: string;
  active: boolean;
}

for (const kind of testDatabaseKinds) {
  describe(`console sign-in with DingTalk in a browser (${kind})`, () => {
    const emulator = useEmulator({ seed: `console-admin-${kind}`, users: 10, qps: 0 });
    // DingTalk sends the browser back to PUBLIC_URL, which the harness makes this very server.
    const server = useConsoleServer(kind);
    let admin: Person;
    let outsider: Person;

    /** A fresh browser profile in `lang`, through "Sign in with DingTalk" and the emulator's page, as `person`. */
    async function signInWithDingTalk(lang: Lang, person: Person, label: string, run: (opened: ConsolePage) => Promise<void>) {
      const opened = await server.open(lang, `${label}-${kind}`);
      const { page, shot } = opened;
      let failed = true;
      try {
        await page.goto(server.baseUrl);
        await page.waitForSelector('[data-testid=sign-in-dingtalk]');
        expect(await page.textContent('[data-testid=sign-in-dingtalk]')).toContain(TEXT[lang].dingtalk);
        await shot('sign-in');
        await page.click('[data-testid=sign-in-dingtalk]');
        await page.waitForURL((url) => url.pathname === '/oauth2/auth');
        await page.click(`button[data-testid=pick-user][data-userid="${person.userid}"]`);
        await run(opened);
        failed = false;
      } finally {
        await opened.close(failed);
      }
    }

    it('binds an organization offering QR sign-in, syncs it and grants one person the console role', async () => {
      await server.bindAndSync(emulator, { name: 'Console sign-in corp', login: { methods: ['qr'], outsiders: 'deny', provisionOnLogin: 'refuse' } });
      const people = (await emulator.control<{ users: Person[] }>('GET', '/org')).users.filter((user) => user.active);
      [admin, outsider] = [people[0]!, people[1]!];
      const accounts = (await server.api<{ items: { id: string; username: string }[] }>('GET', '/api/v1/accounts?limit=500')).items;
      const adminAccount = accounts.find((account) => account.username === admin.userid)!;
      await server.api('PATCH', `/api/v1/accounts/${adminAccount.id}`, { consoleRole: 'admin' });
      const options = (await (await fetch(`${server.baseUrl}/api/v1/console/sign-in-options`)).json()) as { dingtalk: { name: string }[] };
      expect(options.dingtalk.map((b) => b.name)).toEqual(['Console sign-in corp']);
    }, 30_000);

    for (const lang of languagesOn(kind)) {
      it.skipIf(skipReason !== '')(skipReason || `signs a console administrator in with DingTalk, and out, in ${lang}`, async () => {
        await signInWithDingTalk(lang, admin, 'admin', async ({ page, shot }) => {
          await page.waitForSelector(`[data-testid=signed-in-as][data-kind=dingtalk]:has-text("${admin.name}")`);
          await page.waitForSelector('[data-testid=overview-held]');
          expect(new URL(page.url()).search).toBe(''); // the return marker is gone, so a reload does not exchange again
          await shot('signed-in');
          const minted = await page.evaluate(() => sessionStorage.getItem('dingbridge.adminToken'));
          expect(minted).toMatch(/^dbt_/);

          await page.click('[data-testid=sign-out]');
          await page.waitForSelector('[data-testid=token]');
          const answer = await fetch(`${server.baseUrl}/api/v1/bindings`, { headers: { authorization: `Bearer ${minted}` } });
          expect(answer.status).toBe(401);
        });
        // The local token was not touched by the console sign-out.
        expect((await server.api<{ items: unknown[] }>('GET', '/api/v1/bindings')).items).toHaveLength(1);
      }, 60_000);

      it.skipIf(skipReason !== '')(skipReason || `refuses a person without the console role, saying how to grant it, in ${lang}`, async () => {
        await signInWithDingTalk(lang, outsider, 'outsider', async ({ page, shot }) => {
          await page.waitForSelector('[data-testid=not-admin]');
          const text = await page.textContent('[data-testid=not-admin]');
          expect(text).toContain(TEXT[lang].notAdmin);
          expect(text).toContain(outsider.name);
          expect(text).toMatch(/dingbridge accounts update [0-9a-f-]{36} --console-role admin/);
          await shot('not-admin');
          expect(await page.evaluate(() => sessionStorage.getItem('dingbridge.adminToken'))).toBeNull();
        });
      }, 60_000);
    }
  });
}
