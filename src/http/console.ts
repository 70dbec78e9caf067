/**
 * The admin console (`web/`, built by `npm run build:web` into `web/dist`) served at `/` by `dingbridge serve`.
 *
 * Hashed assets (`/assets/*`) are cached for a year, immutable: a new build has new names. `index.html` is never
 * cached, so a new build reaches every browser on its next load. The console's client routes answer index.html
 * (the SPA fallback); any other unknown path keeps the API's JSON 404. Without a build, `/` says how to make one.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError } from '../core/index.ts';

/** Where `npm run build:web` writes the console. */
export const CONSOLE_DIST_DIR = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** The console's client routes (web/src/App.tsx); each answers index.html so a reload or a shared link works. */
export const CONSOLE_ROUTES = [
  '/',
  '/runs',
  '/runs/:id',
  '/bindings',
  '/bindings/new',
  '/bindings/:id',
  '/bindings/:id/outbound',
  '/directory',
  '/directory/accounts/:id',
  '/apps',
  '/apps/:id',
] as const;

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.map': 'application/json',
};

/**
 * antd writes its styles at run time (CSS-in-JS), hence `style-src 'unsafe-inline'`; scripts come only from the
 * server itself, and the console talks only to its own origin.
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; base-uri 'self'; connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'; " +
  "img-src 'self' data:; object-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'";

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Dingbridge: console not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>The admin console is not built</h1>
<p>This server found no <code>web/dist/index.html</code>. Run <code>npm run build:web</code> in the Dingbridge
folder (<code>npm ci</code> also builds it), then reload this page.</p>
<p>管理控制台尚未构建：请在 Dingbridge 目录下运行 <code>npm run build:web</code>，然后刷新本页。</p>
<p>The admin API works without it: <a href="/docs">/docs</a>.</p>
</body></html>
`;

/**
 * The Fastify plugin for `createHttpServer({ plugins })`. `distDir` defaults to the package's `web/dist`.
 *
 * @example
 * await createHttpServer({ ...deps, plugins: [consolePlugin()] });
 */
export function consolePlugin(options: { distDir?: string } = {}): (app: FastifyInstance) => Promise<void> {
  const distDir = resolve(options.distDir ?? CONSOLE_DIST_DIR);
  const assetsDir = join(distDir, 'assets');
  const indexFile = join(distDir, 'index.html');

  // Read on each request (it is small and never cached by browsers), so a build made while serving is picked up.
  const sendIndex = async (reply: FastifyReply): Promise<void> => {
    void reply.header('cache-control', 'no-cache');
    if (!existsSync(indexFile)) {
      void reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT_PAGE);
      return;
    }
    const html = await readFile(indexFile, 'utf8');
    void reply.type('text/html; charset=utf-8').header('content-security-policy', CONTENT_SECURITY_POLICY).send(html);
  };

  // Synchronous registration; the plugin signature of createHttpServer is async.
  return (app) => {
    for (const path of CONSOLE_ROUTES) {
      app.get(path, { logLevel: 'warn' }, (_request, reply) => sendIndex(reply));
    }
    app.get<{ Params: { '*': string } }>('/assets/*', { logLevel: 'warn' }, async (request, reply) => {
      const name = request.params['*'];
      const file = resolve(assetsDir, name);
      // `resolve` folds `..`; anything that lands outside assets/ is simply not an asset.
      if (!file.startsWith(assetsDir + sep) || !existsSync(file)) {
        throw new AppError('console.asset_not_found', `No console asset ${name}. Reload the page: the console may have been rebuilt.`, {
          status: 404,
        });
      }
      const body = await readFile(file);
      void reply
        .header('cache-control', 'public, max-age=31536000, immutable')
        .type(CONTENT_TYPES[extname(file)] ?? 'application/octet-stream')
        .send(body);
    });
    return Promise.resolve();
  };
}
