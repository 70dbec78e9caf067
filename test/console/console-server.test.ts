/**
 * How the server serves the console: index.html at `/` and at every client route (never cached), hashed assets
 * cached for a year, a clear page when the console is not built. In-process (`inject`) on a bare Fastify with
 * the plugin.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consolePlugin, CONSOLE_ROUTES } from '../../src/http/console.ts';

describe('the console served by the HTTP server', () => {
  let dist: string;
  let app: FastifyInstance;
  let bare: FastifyInstance;

  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'dingbridge-console-'));
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><div id="root"></div><script src="/assets/index-abc.js"></script>');
    writeFileSync(join(dist, 'assets', 'index-abc.js'), 'console.log(1)');
    writeFileSync(join(dist, 'secret.txt'), 'not an asset');
    app = Fastify();
    await consolePlugin({ distDir: dist })(app);
    bare = Fastify();
    await consolePlugin({ distDir: join(dist, 'missing') })(bare);
  });
  afterAll(async () => {
    await app.close();
    await bare.close();
    rmSync(dist, { recursive: true, force: true });
  });

  it('answers index.html, uncached and with a CSP, at / and at each client route', async () => {
    const account = '/directory/accounts/0d6c9e8e-1d7a-4c55-9b43-7c7a3f3b2a10';
    for (const path of ['/', '/runs', '/runs/0d6c9e8e-1d7a-4c55-9b43-7c7a3f3b2a10', '/bindings', '/bindings/x', '/bindings/new', '/directory', account, '/bindings/x/outbound', '/apps', '/apps/x']) {
      const response = await app.inject({ method: 'GET', url: path });
      expect(response.statusCode, path).toBe(200);
      expect(response.headers['content-type']).toContain('text/html');
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(response.headers['content-security-policy']).toContain("script-src 'self'");
      expect(response.body).toContain('<div id="root">');
    }
    expect(CONSOLE_ROUTES).toContain('/directory');
  });

  it('serves hashed assets cached for a year, and nothing outside assets/', async () => {
    const asset = await app.inject({ method: 'GET', url: '/assets/index-abc.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toContain('text/javascript');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    for (const url of ['/assets/nope.js', '/assets/../secret.txt', '/assets/%2e%2e/secret.txt', '/assets/..%2fsecret.txt']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(404);
      expect(response.body).not.toContain('not an asset');
    }
  });

  it('says how to build the console when web/dist is missing', async () => {
    const response = await bare.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(503);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.body).toContain('npm run build:web');
  });
});
