/**
 * What the sign-in tests share: Dingbridge opened by the composition root over a test database, served on a real
 * loopback port (PUBLIC_URL = that port, so the issuer and DingTalk's redirect URL are the real ones), a binding to
 * the emulator with a full sync done, and a tiny browser (fetch with a cookie jar, following redirects by hand).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { openDingbridge, type Dingbridge } from '../../src/app.ts';
import type { BindingView } from '../../src/bindings/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { accountRoutes, createAdminTokens, createHttpServer } from '../../src/http/index.ts';
import type { EmulatorHandle } from '../support/emulator.ts';
import type { TestDatabase } from '../support/test-database.ts';

export interface AuthHarness {
  app: Dingbridge;
  http: FastifyInstance;
  baseUrl: string;
  binding: BindingView;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

export async function startAuthHarness(database: TestDatabase, emulator: EmulatorHandle): Promise<AuthHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dingbridge-auth-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const config = loadConfig({ DATA_DIR: dataDir, PORT: String(port), PUBLIC_URL: baseUrl }, { onWarning: () => {} });
  const logger = pino({ level: 'silent' });
  const app = await openDingbridge(config, { logger, role: 'cli', database: database.handle });
  const binding = await app.api.bindings.add({
    name: 'Emulated corp',
    corpId: emulator.corpId,
    appKey: emulator.appKey,
    appSecret: emulator.appSecret,
    apiBase: emulator.url,
    login: { methods: ['qr', 'workbench'], outsiders: 'deny', provisionOnLogin: 'refuse' },
  });
  const run = await app.api.runs.start(binding.id);
  await app.runs.execute(run.id);
  const http = await createHttpServer({
    api: app.api,
    adminTokens: createAdminTokens({ db: app.database.db }),
    metrics: app.metrics,
    readiness: () => app.readiness(),
    logger,
    version: 'test',
    publicUrl: baseUrl,
    adminRoutes: [...app.auth.adminRoutes(), ...accountRoutes(app.api)],
    plugins: [app.auth.plugin()],
  });
  await http.listen({ host: '127.0.0.1', port });
  return {
    app,
    http,
    baseUrl,
    binding,
    async close() {
      await http.close();
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A browser without a screen: cookies by name (paths ignored), redirects followed by hand. */
export class Browser {
  readonly cookies = new Map<string, string>();

  async get(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=thu, 01 jan 1970/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /**
   * Follows redirects from `url` until one leaves for `stopAt` (answered without fetching it) or a page is answered.
   * `onDingTalk` plays the person on DingTalk's login page: it gets that URL and answers where DingTalk redirects.
   */
  async follow(
    url: string | URL,
    options: { stopAt?: string; onDingTalk?: (authorizeUrl: URL) => Promise<string> } = {},
  ): Promise<{ url: URL; response?: Response; hops: string[] }> {
    let current = new URL(url);
    const hops: string[] = [];
    for (let i = 0; i < 20; i += 1) {
      hops.push(current.toString());
      if (options.stopAt !== undefined && current.toString().startsWith(options.stopAt)) return { url: current, hops };
      if (current.pathname === '/oauth2/auth' && options.onDingTalk) {
        current = new URL(await options.onDingTalk(current));
        continue;
      }
      const response = await this.get(current);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location !== null) {
        await response.arrayBuffer();
        current = new URL(location, current);
        continue;
      }
      return { url: current, response, hops };
    }
    throw new Error(`too many redirects: ${hops.join(' → ')}`);
  }
}

/** Plays a person picking themselves on the emulator's QR page: a code from the control API, then DingTalk's redirect. */
export function pickOnDingTalk(emulator: EmulatorHandle, who: { userid: string } | { stranger: true }) {
  return async (authorizeUrl: URL): Promise<string> => {
    const { authCode } = await emulator.control<{ authCode: string }>('POST', '/oauth/code', {
      clientId: authorizeUrl.searchParams.get('client_id'),
      ...('userid' in who ? { userid: who.userid } : { stranger: true }),
      scope: 'openid',
    });
    const target = new URL(authorizeUrl.searchParams.get('redirect_uri')!);
    target.searchParams.set('code', authCode);
    target.searchParams.set('authCode', authCode);
    target.searchParams.set('state', authorizeUrl.searchParams.get('state')!);
    return target.toString();
  };
}
