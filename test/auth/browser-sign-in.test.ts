/**
 * The same QR sign-in clicked through in a real browser (Debian's chromium through playwright-core): Dingbridge's
 * `/login` page, the emulator's QR page (pick the person), back signed in. Screenshots are kept under
 * `test/artifacts/` (gitignored). Skipped, saying so, where chromium is not installed.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { useEmulator } from '../support/emulator.ts';
import { describeEachDatabase } from '../support/test-database.ts';
import { startAuthHarness, type AuthHarness } from './auth-harness.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = new URL('../artifacts/', import.meta.url);
const hasChromium = existsSync(CHROMIUM);

describeEachDatabase('sign-in in a real browser', ({ database, kind }) => {
  const emulator = useEmulator({ seed: 'auth-browser', users: 20, qps: 0 });
  let harness: AuthHarness;
  let browser: Browser | undefined;

  beforeAll(async () => {
    harness = await startAuthHarness(database(), emulator);
    if (hasChromium) browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.close();
  });

  it.skipIf(!hasChromium)(hasChromium ? 'clicks through the QR sign-in' : `SKIPPED: no chromium at ${CHROMIUM} (apt-get install chromium)`, async () => {
    const person = (await emulator.control<{ users: { userid: string; name: string; active: boolean }[] }>('GET', '/org')).users.find((u) => u.active)!;
    const page = await browser!.newPage();
    page.setDefaultTimeout(8000);
    await page.goto(`${harness.baseUrl}/login`);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: new URL(`sign-in-page-${kind}.png`, ARTIFACTS).pathname, fullPage: true });
    await page.click('[data-testid=sign-in-dingtalk]');
    await page.waitForURL((url) => url.pathname === '/oauth2/auth');
    await page.screenshot({ path: new URL(`dingtalk-qr-page-${kind}.png`, ARTIFACTS).pathname, fullPage: true });
    await page.click(`button[data-testid=pick-user][data-userid="${person.userid}"]`);
    await page.waitForSelector('[data-testid=signed-in]');
    expect(await page.textContent('[data-testid=signed-in]')).toContain(person.name);
    await page.screenshot({ path: new URL(`signed-in-${kind}.png`, ARTIFACTS).pathname, fullPage: true });
    await page.click('[data-testid=sign-out]');
    await page.waitForSelector('[data-testid=sign-in-dingtalk]');
  });
});
