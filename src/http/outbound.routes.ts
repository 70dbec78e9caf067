/** `/api/v1/bindings/:id/outbound/…`: the delivery log, retry of failed deliveries, and "execute addition". */
import type { DingbridgeApi } from '../app-api.ts';
import { AppError } from '../core/index.ts';
import {
  executeAdditionInputSchema,
  executeAdditionResultSchema,
  outboundLogQuerySchema,
  outboundLogSchema,
  outboundRetrySchema,
  type OutboundService,
} from '../outbound/index.ts';
import { idParamsSchema } from './bindings.routes.ts';
import { defineRoute, type AnyRoute } from './route-contract.ts';

/**
 * The outbound routes over `api` (mounted through `adminRoutes`).
 *
 * @example
 * createHttpServer({ ..., adminRoutes: outboundRoutes(api) });
 */
export function outboundRoutes(api: DingbridgeApi): AnyRoute[] {
  const tag = 'outbound';
  const outbound = (): OutboundService => {
    if (!api.outbound) throw new AppError('outbound.unavailable', 'Outbound provisioning is not available on this server.', { status: 404 });
    return api.outbound;
  };
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/bindings/:id/outbound/log',
      operationId: 'outboundLog',
      summary: "A binding's outbound delivery log, newest first",
      tag,
      params: idParamsSchema,
      query: outboundLogQuerySchema,
      status: 200,
      response: outboundLogSchema,
      errors: [404],
      handler: ({ params, query }) => outbound().log(params.id, query),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/bindings/:id/outbound/retry',
      operationId: 'outboundRetry',
      summary: 'Deliver failed outbound rows again',
      tag,
      params: idParamsSchema,
      status: 200,
      response: outboundRetrySchema,
      errors: [404],
      handler: ({ params }) => outbound().retry(params.id),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/bindings/:id/outbound/execute-addition',
      operationId: 'outboundExecuteAddition',
      summary: 'Push everything in the outbound scope that is not in DingTalk yet (or list it, with dryRun)',
      tag,
      params: idParamsSchema,
      body: executeAdditionInputSchema,
      status: 200,
      response: executeAdditionResultSchema,
      errors: [404, 409],
      handler: ({ params, body }) => outbound().executeAddition(params.id, body),
    }),
  ];
}
