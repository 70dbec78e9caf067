/** `/api/v1/runs`: sync runs, their operations, and the approval of held runs. */
import { z } from 'zod';
import type { DingbridgeApi } from '../app-api.ts';
import { runListQuerySchema, runOpsQuerySchema, runOpViewSchema, runViewSchema } from '../sync/sync-run-contract.ts';
import { idParamsSchema } from './bindings.routes.ts';
import { defineRoute, type AnyRoute } from './route-contract.ts';

/**
 * The runs routes over `api`.
 *
 * @example
 * for (const route of runRoutes(api)) registerRoute(app, route, authenticate);
 */
export function runRoutes(api: DingbridgeApi): AnyRoute[] {
  const tag = 'runs';
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/runs',
      operationId: 'listRuns',
      summary: 'List runs, newest first',
      tag,
      query: runListQuerySchema,
      status: 200,
      response: z.object({ items: z.array(runViewSchema) }),
      handler: async ({ query }) => ({ items: await api.runs.list(query) }),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/runs/:id',
      operationId: 'showRun',
      summary: 'Show a run',
      tag,
      params: idParamsSchema,
      status: 200,
      response: runViewSchema,
      errors: [404],
      handler: ({ params }) => api.runs.show(params.id),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/runs/:id/ops',
      operationId: 'listRunOps',
      summary: "A run's operations and their results",
      tag,
      params: idParamsSchema,
      query: runOpsQuerySchema,
      status: 200,
      response: z.object({ items: z.array(runOpViewSchema) }),
      errors: [404],
      handler: async ({ params, query }) => ({ items: await api.runs.ops(params.id, query) }),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/runs/:id/approve',
      operationId: 'approveRun',
      summary: "Apply a held run's kept plan",
      tag,
      params: idParamsSchema,
      status: 200,
      response: runViewSchema,
      errors: [404, 409],
      handler: ({ params }) => api.runs.approve(params.id),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/runs/:id/reject',
      operationId: 'rejectRun',
      summary: 'Reject a held run',
      tag,
      params: idParamsSchema,
      status: 200,
      response: runViewSchema,
      errors: [404, 409],
      handler: ({ params }) => api.runs.reject(params.id),
    }),
  ];
}
