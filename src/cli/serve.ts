/**
 * The server behind `dingbridge serve` (what `npm start` runs): the admin API, the sync workers and, later, callbacks and login, on
 * `PORT`, with the embedded database under `DATA_DIR` unless `DATABASE_URL` says otherwise.
 *
 * It migrates the database, starts the workers, makes sure a local admin token exists (printing its path when it
 * creates one), listens, and writes `DATA_DIR/server.json` so that CLI commands on the same `DATA_DIR` reach it.
 * SIGINT/SIGTERM stop it gracefully: no new requests, running syncs get up to 30 s to finish their batch.
 *
 * @example
 * DATA_DIR=./data PORT=8080 dingbridge serve
 */
import type { Logger } from 'pino';
import packageJson from '../../package.json' with { type: 'json' };
import { activityRoutes } from '../activity/index.ts';
import { openDingbridge } from '../app.ts';
import { describeConfig, type Config } from '../config/index.ts';
import { accountRoutes, createAdminTokens, createHttpServer, unitRoutes, writeServerInfo } from '../http/index.ts';
import { outboundRoutes } from '../http/outbound.routes.ts';
import { consolePlugin } from '../http/console.ts';

/**
 * Starts everything; resolves once the server listens, with the function that stops it.
 *
 * @example
 * const stop = await serve(loadConfig(env), { logger });
 */
export async function serve(config: Config, options: { logger: Logger; print?: (line: string) => void }): Promise<() => Promise<void>> {
  const { logger } = options;
  const print = options.print ?? ((line: string) => process.stderr.write(`${line}\n`));
  logger.info({ config: describeConfig(config) }, 'starting');
  const dingbridge = await openDingbridge(config, { logger, role: 'server' });
  let removeServerInfo: (() => void) | undefined;
  let http: Awaited<ReturnType<typeof createHttpServer>> | undefined;
  try {
    await dingbridge.startWorkers();
    const adminTokens = createAdminTokens({ db: dingbridge.database.db });
    const local = await adminTokens.ensureLocalToken(config.dataDir);
    http = await createHttpServer({
      api: dingbridge.api,
      adminTokens,
      metrics: dingbridge.metrics,
      readiness: () => dingbridge.readiness(),
      logger,
      version: packageJson.version,
      publicUrl: config.publicUrl,
      // Sign-in and the OIDC provider (issue 6): `/api/v1/apps` as admin routes; `/login`, `/sso`, `/oidc` as a plugin.
      // Units and accounts managed by hand (issue 7): `/api/v1/units`, `/api/v1/accounts`.
      // The console's overview (issue 8): `/api/v1/overview`, `/api/v1/bindings/:id/health`, `/api/v1/stats/activity`.
      adminRoutes: [...dingbridge.auth.adminRoutes(), ...unitRoutes(dingbridge.api), ...accountRoutes(dingbridge.api), ...outboundRoutes(dingbridge.api), ...activityRoutes(dingbridge.activity)],
      // DingTalk HTTP push (issue 5): `POST /callback/idp/dingtalk/orgapp/{corpId}`, outside the admin API's auth.
      // The admin console (issue 8): `/`, its client routes and `/assets/*`, built into web/dist.
      plugins: [dingbridge.auth.plugin(), dingbridge.events.callbackPlugin, consolePlugin()],
    });
    await http.listen({ port: config.port, host: config.host });
    const address = http.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.port;
    const reachable = `http://${loopbackOf(config.host)}:${port}`;
    print(`Dingbridge ${packageJson.version} listening on ${reachable} (public URL ${config.publicUrl})`);
    print(`  admin API: ${config.publicUrl}/api/v1 — reference: ${config.publicUrl}/docs`);
    print(`  console: ${config.publicUrl}/`);
    print(`  database: ${dingbridge.database.kind === 'pglite' ? `embedded, in ${config.dataDir}` : 'PostgreSQL (DATABASE_URL)'}`);
    print(`  admin token: ${local.path}${local.created ? ' (created now; keep it secret)' : ''}`);
    // Written last: a CLI that finds the file finds a server ready to answer.
    removeServerInfo = writeServerInfo(config.dataDir, {
      pid: process.pid,
      url: reachable,
      version: packageJson.version,
      startedAt: new Date().toISOString(),
      database: dingbridge.database.kind,
    });
  } catch (error) {
    await http?.close().catch(() => undefined);
    removeServerInfo?.();
    await dingbridge.close();
    throw error;
  }
  const server = http;
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= (async () => {
      removeServerInfo?.();
      try {
        await server.close();
      } finally {
        await dingbridge.close();
      }
    })();
    return stopping;
  };
}

/** The address a local client connects to for a server listening on `host`. */
function loopbackOf(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
