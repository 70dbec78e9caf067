/** Unauthenticated operations routes: liveness, readiness, Prometheus metrics. */
import { z } from 'zod';
import type { Metrics } from './metrics.ts';
import { defineRoute, type AnyRoute } from './route-contract.ts';

const checkSchema = z.object({ ok: z.boolean(), message: z.string().optional() });
export const readinessSchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), checkSchema),
});

export type Readiness = () => Promise<{ ok: boolean; checks: Record<string, { ok: boolean; message?: string }> }>;

/**
 * `/healthz`, `/readyz`, `/metrics`.
 *
 * @example
 * for (const route of healthRoutes({ readiness, metrics })) registerRoute(app, route, authenticate);
 */
export function healthRoutes(deps: { readiness: Readiness; metrics: Metrics }): AnyRoute[] {
  const tag = 'operations';
  return [
    defineRoute({
      method: 'GET',
      path: '/healthz',
      operationId: 'liveness',
      summary: 'Liveness: the process answers',
      tag,
      auth: 'none',
      status: 200,
      response: z.object({ status: z.literal('ok') }),
      handler: () => Promise.resolve({ status: 'ok' as const }),
    }),
    defineRoute({
      method: 'GET',
      path: '/readyz',
      operationId: 'readiness',
      summary: 'Readiness: the database answers, migrations and jobs are up',
      description: 'Answers 503 naming the checks that failed.',
      tag,
      auth: 'none',
      status: 200,
      response: readinessSchema,
      alsoResponds: { 503: { description: 'Not ready; `checks` says which check failed.', schema: readinessSchema } },
      handler: async ({ request, reply }) => {
        let result: Awaited<ReturnType<Readiness>>;
        try {
          result = await deps.readiness();
        } catch (error) {
          // A readiness probe that throws is itself a failed check, not a 500.
          request.log.warn({ err: error }, 'readiness check threw');
          result = { ok: false, checks: { readiness: { ok: false, message: 'The readiness check failed; see the log.' } } };
        }
        if (!result.ok) reply.code(503);
        return { status: result.ok ? ('ready' as const) : ('not_ready' as const), checks: result.checks };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics (text exposition format)',
      tag,
      auth: 'none',
      status: 200,
      response: z.string(),
      contentType: 'text/plain',
      handler: async ({ reply }) => {
        const { contentType, body } = await deps.metrics.render();
        reply.type(contentType);
        return body;
      },
    }),
  ];
}
