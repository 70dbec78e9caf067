/** `/api/v1/apps`: the applications signing people in through Dingbridge's OpenID Connect provider. */
import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/index.ts';
import { appCreatedSchema, appCreateSchema, appRemovalSchema, appUpdateSchema, appViewSchema, type AppsService } from './apps-contract.ts';

const idParams = z.object({ id: z.string().min(1).max(100) });

/**
 * The admin routes of applications, for `createHttpServer({ adminRoutes })`.
 *
 * @example
 * await createHttpServer({ ..., adminRoutes: appRoutes(dingbridge.api.apps) });
 */
export function appRoutes(apps: AppsService): AnyRoute[] {
  const tag = 'apps';
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/apps',
      operationId: 'listApps',
      summary: 'List applications (OIDC clients)',
      tag,
      status: 200,
      response: z.object({ items: z.array(appViewSchema) }),
      handler: async () => ({ items: await apps.list() }),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/apps',
      operationId: 'addApp',
      summary: 'Register an application; a confidential client gets its secret in this answer only',
      tag,
      body: appCreateSchema,
      status: 201,
      response: appCreatedSchema,
      handler: ({ body }) => apps.add(body),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/apps/:id',
      operationId: 'showApp',
      summary: 'Show an application',
      tag,
      params: idParams,
      status: 200,
      response: appViewSchema,
      errors: [404],
      handler: ({ params }) => apps.show(params.id),
    }),
    defineRoute({
      method: 'PATCH',
      path: '/api/v1/apps/:id',
      operationId: 'updateApp',
      summary: 'Change an application (name, redirect URIs, initiate login URI)',
      tag,
      params: idParams,
      body: appUpdateSchema,
      status: 200,
      response: appViewSchema,
      errors: [404],
      handler: ({ params, body }) => apps.update(params.id, body),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/v1/apps/:id',
      operationId: 'removeApp',
      summary: 'Remove an application and revoke its tokens',
      tag,
      params: idParams,
      status: 200,
      response: appRemovalSchema,
      errors: [404],
      handler: ({ params }) => apps.remove(params.id),
    }),
  ];
}
