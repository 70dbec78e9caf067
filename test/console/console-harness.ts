/**
 * What the console's browser tests share: `serve()` (the server `npm start` runs, with the console built into
 * web/dist) on a fixed loopback port whose address is also its PUBLIC_URL (so a Request URL the console shows is one
 * the emulator can call), Debian's chromium through playwright-core, screenshots into `test/artifacts/` and an axe
 * scan of every screenshotted page. Tests skip, saying why, without chromium or without a build.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { serve } from '../../src/cli/serve.ts';
import { loadConfig } from '../../src/config/index.ts';
import { CONSOLE_DIST_DIR } from '../../src/http/console.ts';
import type { EmulatorHandle } from '../support/emulator.ts';
import { createScratchPostgresDatabase, testDatabaseKinds, type ScratchDatabase, type TestDatabaseKind } from '../support/test-database.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = new URL('../artifacts/', import.meta.url).pathname;
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Empty when the browser tests can run; else why not (the test title says it). */
export const skipReason = !existsSync(CHROMIUM)
  ? `SKIPPED: no chromium at ${CHROMIUM} (apt-get install chromium)`
  : !existsSync(join(CONSOLE_DIST_DIR, 'index.html'))
    ? 'SKIPPED: the console is not built (npm run build:web)'
    : '';

export type Lang = 'en' | 'zh-CN';

/**
 * The languages a browser flow runs in on `kind`. Every flow runs in both languages; with PostgreSQL available the
 * two are split over the databases (English on PGlite, Chinese on PostgreSQL) instead of each running twice: the
 * browser exercises the console, and the database paths under it are covered by the API and service tests on both
 * databases. This halves the browser tests' share of the suite (they were most of its ten minutes).
 */
export function languagesOn(kind: TestDatabaseKind): readonly Lang[] {
  if (testDatabaseKinds.length < 2) return ['en', 'zh-CN'];
  return kind === 'pglite' ? ['en'] : ['zh-CN'];
}

export interface ConsoleServer {
  /** `http://127.0.0.1:<port>`, also the server's PUBLIC_URL. */
  baseUrl: string;
  /** The admin token the server wrote to DATA_DIR/admin-token. */
  token: string;
  /** Calls the admin API with the token; throws on any refusal. */
  api<T>(method: string, path: string, body?: unknown): Promise<T>;
  /**
   * Binds `emulator`'s organization through the API (`fields` name it and may add e.g. `login`) and waits for the
   * full sync that starts it to succeed.
   */
  bindAndSync<B extends { id: string } = { id: string }>(emulator: EmulatorHandle, fields: { name: string } & Record<string, unknown>): Promise<{ binding: B; run: { id: string } }>;
  /** A fresh browser context in `lang` with one page, and `shot(name)`: a screenshot plus an axe scan. */
  open(lang: Lang, label: string): Promise<ConsolePage>;
}

export interface ConsolePage {
  page: Page;
  context: BrowserContext;
  shot: (name: string) => Promise<void>;
  /** Saves a screenshot of the page as it failed, then closes the context. */
  close: (failed: boolean) => Promise<void>;
}

/**
 * Starts `serve()` on `kind` before the file's tests (and chromium, unless skipped) and stops both after.
 *
 * @example
 * const server = useConsoleServer('pglite');
 * const { page, shot } = await server.open('en', 'pglite');
 */
export function useConsoleServer(kind: TestDatabaseKind): ConsoleServer {
  let dataDir: string;
  let scratch: ScratchDatabase | undefined;
  let stop: (() => Promise<void>) | undefined;
  let browser: Browser | undefined;
  const server = {} as ConsoleServer;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'dingbridge-console-'));
    scratch = kind === 'postgres' ? await createScratchPostgresDatabase() : undefined;
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const config = loadConfig(
      {
        DATA_DIR: dataDir,
        PORT: String(port),
        PUBLIC_URL: baseUrl,
        LOG_LEVEL: 'warn',
        ...(scratch ? { DATABASE_URL: scratch.url, DINGBRIDGE_SECRET_KEY: 'c'.repeat(64) } : {}),
      },
      { onWarning: () => {} },
    );
    stop = await serve(config, { logger: pino({ level: 'warn' }), print: () => {} });
    const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    if (!skipReason) browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    Object.assign(server, {
      baseUrl,
      token,
      async api<T>(method: string, path: string, body?: unknown): Promise<T> {
        const response = await fetch(`${baseUrl}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await response.text();
        if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${text}`);
        return JSON.parse(text) as T;
      },
      async bindAndSync<B extends { id: string } = { id: string }>(emulator: EmulatorHandle, fields: { name: string } & Record<string, unknown>) {
        const binding = await server.api<B>('POST', '/api/v1/bindings', {
          corpId: emulator.corpId,
          appKey: emulator.appKey,
          appSecret: emulator.appSecret,
          apiBase: emulator.url,
          ...fields,
        });
        const run = await server.api<{ id: string }>('POST', `/api/v1/bindings/${binding.id}/sync`, {});
        await expect.poll(async () => (await server.api<{ status: string }>('GET', `/api/v1/runs/${run.id}`)).status, { timeout: 20_000 }).toBe('succeeded');
        return { binding, run };
      },
      async open(lang: Lang, label: string): Promise<ConsolePage> {
        // axe is injected inline, which the console's Content-Security-Policy rightly forbids.
        const context = await browser!.newContext({ locale: lang, viewport: { width: 1280, height: 900 }, bypassCSP: true });
        const page = await context.newPage();
        page.setDefaultTimeout(15_000);
        mkdirSync(ARTIFACTS, { recursive: true });
        return {
          page,
          context,
          shot: async (name: string) => {
            await page.screenshot({ path: join(ARTIFACTS, `console-${name}-${lang}-${label}.png`), fullPage: true });
            await expectAccessible(page, `${name} (${lang})`);
          },
          close: async (failed: boolean) => {
            if (failed) await page.screenshot({ path: join(ARTIFACTS, `console-failure-${lang}-${label}.png`), fullPage: true }).catch(() => undefined);
            await context.close();
          },
        };
      },
    } satisfies ConsoleServer);
  });
  afterAll(async () => {
    await browser?.close();
    await stop?.();
    await scratch?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return server;
}

/** A free loopback port: the server must know its own address before it starts, to use it as PUBLIC_URL. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no TCP address for the port probe');
  return address.port;
}

/** Runs axe in the page; serious and critical violations fail the test, listed by rule and element. */
export async function expectAccessible(page: Page, where: string): Promise<void> {
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

/** Signs in with `token` after a wrong one is refused on the page (the sign-in page is screenshotted). */
export async function signIn(console: ConsolePage, token: string, baseUrl: string, lang: Lang): Promise<void> {
  const { page } = console;
  await page.goto(baseUrl);
  expect(await page.getAttribute('html', 'lang')).toBe(lang);
  await page.fill('[data-testid=token]', 'dbt_wrong');
  await page.click('[data-testid=sign-in]');
  await page.waitForSelector('[role=alert]');
  await console.shot('sign-in');
  await page.fill('[data-testid=token]', token);
  await page.click('[data-testid=sign-in]');
  await page.waitForSelector('[data-testid=sign-out]');
}
