/**
 * Builds the HTTP server for a test over an in-memory API, a token set and a log that the test can read.
 */
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { createHttpServer, createMetrics, type AdminTokens, type AnyRoute, type Metrics, type Readiness } from '../../src/http/index.ts';
import { createInMemoryApi, type InMemoryApi } from './in-memory-api.ts';

export const GOOD_TOKEN = `dbt_${'A'.repeat(43)}`;

export interface TestServer {
  app: FastifyInstance;
  api: InMemoryApi;
  metrics: Metrics;
  /** Every log line so far, parsed. */
  logs: () => Record<string, unknown>[];
  /** Raw log text, to search for secrets. */
  logText: () => string;
  auth: { authorization: string };
  readiness: { result: Awaited<ReturnType<Readiness>> | Error };
}

export async function startTestServer(options: { adminTokens?: AdminTokens; api?: InMemoryApi; adminRoutes?: AnyRoute[] } = {}): Promise<TestServer> {
  const api = options.api ?? createInMemoryApi();
  const metrics = createMetrics();
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
  const readiness: TestServer['readiness'] = { result: { ok: true, checks: { database: { ok: true } } } };
  const adminTokens: AdminTokens = options.adminTokens ?? {
    create: () => Promise.reject(new Error('not in this test')),
    verify: (token) => Promise.resolve(token === GOOD_TOKEN ? { id: 'token-1', name: 'test', accountId: null, expiresAt: null } : undefined),
    revoke: () => Promise.reject(new Error('not in this test')),
    ensureLocalToken: () => Promise.reject(new Error('not in this test')),
  };
  const app = await createHttpServer({
    api,
    adminTokens,
    metrics,
    readiness: () => (readiness.result instanceof Error ? Promise.reject(readiness.result) : Promise.resolve(readiness.result)),
    logger,
    version: '9.8.7',
    publicUrl: 'https://dingbridge.example.com',
    ...(options.adminRoutes ? { adminRoutes: options.adminRoutes } : {}),
  });
  await app.ready();
  return {
    app,
    api,
    metrics,
    logs: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    logText: () => lines.join(''),
    auth: { authorization: `Bearer ${GOOD_TOKEN}` },
    readiness,
  };
}
