/** `/api/v1/overview`, `/api/v1/bindings/:id/health`, `/api/v1/stats/activity`: what the console's overview shows. */
import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/index.ts';
import { activityQuerySchema, activitySchema, bindingHealthSchema, overviewSchema, type ActivityService } from './activity-contract.ts';

/**
 * The activity routes, for `createHttpServer({ adminRoutes })`.
 *
 * @example
 * await createHttpServer({ ..., adminRoutes: activityRoutes(dingbridge.activity) });
 */
export function activityRoutes(activity: ActivityService): AnyRoute[] {
  const tag = 'activity';
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/overview',
      operationId: 'overview',
      summary: 'Every binding with its health: last run, event lag, errors, credential state (read from the database, no DingTalk call)',
      tag,
      status: 200,
      response: overviewSchema,
      handler: () => activity.overview(),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/bindings/:id/health',
      operationId: 'bindingHealth',
      summary: "A binding's health: last run, event lag, errors, credential state",
      tag,
      params: z.object({ id: z.uuid() }),
      status: 200,
      response: bindingHealthSchema,
      errors: [404],
      handler: ({ params }) => activity.health(params.id),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/stats/activity',
      operationId: 'activity',
      summary: 'Runs by status and kind, DingTalk calls and events processed, per hour (24h) or per day (7d, 30d)',
      tag,
      query: activityQuerySchema,
      status: 200,
      response: activitySchema,
      errors: [404],
      handler: ({ query }) => activity.activity(query),
    }),
  ];
}
