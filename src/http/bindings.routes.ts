/** `/api/v1/bindings`: DingTalk organizations bound to the directory. */
import { z } from 'zod';
import type { DingbridgeApi } from '../app-api.ts';
import {
  bindingCheckReportSchema,
  bindingCreateSchema,
  bindingRemovalSchema,
  bindingUpdateSchema,
  bindingViewSchema,
  credentialTestReportSchema,
  credentialTestSchema,
  mappingPreviewInputSchema,
  mappingPreviewSchema,
} from '../bindings/binding-contract.ts';
import { runViewSchema } from '../sync/sync-run-contract.ts';
import { defineRoute, type AnyRoute } from './route-contract.ts';

export const idParamsSchema = z.object({ id: z.uuid() });

/** `?verify=false` skips asking DingTalk before storing (offline setups, tests); anything else verifies. */
const verifyQuerySchema = z.object({
  verify: z
    .stringbool()
    .default(true)
    .meta({ description: '`false` stores without asking DingTalk first (offline setups); default `true`.' }),
});
const syncBodySchema = z.object({ dryRun: z.boolean().optional() }).strict();

/**
 * The bindings routes over `api`.
 *
 * @example
 * for (const route of bindingRoutes(api)) registerRoute(app, route, authenticate);
 */
export function bindingRoutes(api: DingbridgeApi): AnyRoute[] {
  const tag = 'bindings';
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/bindings',
      operationId: 'listBindings',
      summary: 'List bindings',
      tag,
      status: 200,
      response: z.object({ items: z.array(bindingViewSchema) }),
      handler: async () => ({ items: await api.bindings.list() }),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/bindings',
      operationId: 'addBinding',
      summary: 'Bind a DingTalk organization',
      description: 'Verifies the credentials and the CorpId against DingTalk first, unless `verify=false`.',
      tag,
      query: verifyQuerySchema,
      body: bindingCreateSchema,
      status: 201,
      response: bindingViewSchema,
      errors: [404, 409, 422],
      handler: ({ query, body }) => api.bindings.add(body, { verify: query.verify }),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/bindings/:id',
      operationId: 'showBinding',
      summary: 'Show a binding',
      tag,
      params: idParamsSchema,
      status: 200,
      response: bindingViewSchema,
      errors: [404],
      handler: ({ params }) => api.bindings.show(params.id),
    }),
    defineRoute({
      method: 'PATCH',
      path: '/api/v1/bindings/:id',
      operationId: 'updateBinding',
      summary: 'Change a binding',
      description: 'Re-verifies against DingTalk when the AppKey, AppSecret or apiBase change, unless `verify=false`.',
      tag,
      params: idParamsSchema,
      query: verifyQuerySchema,
      body: bindingUpdateSchema,
      status: 200,
      response: bindingViewSchema,
      errors: [404, 409, 422],
      handler: ({ params, query, body }) => api.bindings.update(params.id, body, { verify: query.verify }),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/v1/bindings/:id',
      operationId: 'removeBinding',
      summary: 'Remove a binding',
      description: 'Its units and accounts stay, as local objects.',
      tag,
      params: idParamsSchema,
      status: 200,
      response: bindingRemovalSchema,
      errors: [404],
      handler: ({ params }) => api.bindings.remove(params.id),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/bindings/:id/check',
      operationId: 'checkBinding',
      summary: "Check a binding's credentials, permissions and scope against DingTalk",
      tag,
      params: idParamsSchema,
      status: 200,
      response: bindingCheckReportSchema,
      errors: [404],
      handler: ({ params }) => api.bindings.check(params.id),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/bindings/test',
      operationId: 'testBindingCredentials',
      summary: 'Test credentials against DingTalk without storing anything',
      description:
        "The same report as a binding's check (credentials, CorpId, each permission, scope), for credentials that are " +
        'not stored: the binding wizard tests them before saving. Nothing is written; the AppSecret is never returned.',
      tag,
      body: credentialTestSchema,
      status: 200,
      response: credentialTestReportSchema,
      errors: [400],
      handler: ({ body }) => api.bindings.test(body),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/bindings/:id/preview-mapping',
      operationId: 'previewBindingMapping',
      summary: 'Try a field mapping and matching rules on a few real DingTalk people',
      description:
        "Reads one page of members of the binding's first department (and of its sub-departments while fewer than " +
        '`limit` are found) and says per person what the mapped fields are and what the next sync would do. ' +
        'Nothing is written. Absent `mapping`/`matching` = the stored ones; a bad expression is a 400 naming its field.',
      tag,
      params: idParamsSchema,
      body: mappingPreviewInputSchema,
      bodyOptional: true,
      status: 200,
      response: mappingPreviewSchema,
      errors: [400, 404],
      handler: ({ params, body }) => api.bindings.previewMapping(params.id, body),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/bindings/:id/sync',
      operationId: 'startSync',
      summary: 'Queue a full sync (or a dry run) of a binding',
      description: 'While one is queued for the binding already, answers that run instead of queueing a second.',
      tag,
      params: idParamsSchema,
      body: syncBodySchema,
      bodyOptional: true,
      status: 202,
      response: runViewSchema,
      errors: [404, 409],
      handler: ({ params, body }) => api.runs.start(params.id, body.dryRun === undefined ? {} : { dryRun: body.dryRun }),
    }),
  ];
}
