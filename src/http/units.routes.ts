/** `/api/v1/units`: organization units managed by hand (issue 7). */
import { z } from 'zod';
import type { DingbridgeApi } from '../app-api.ts';
import {
  removalSchema,
  unitCreateSchema,
  unitEditabilitySchema,
  unitListQuerySchema,
  unitMoveSchema,
  unitUpdateSchema,
  unitViewSchema,
} from '../directory/directory-contract.ts';
import { defineRoute, type AnyRoute } from './route-contract.ts';

const idParams = z.object({ id: z.uuid() });
const PUSHED = 'Inside a binding with outbound provisioning on, the change is pushed to DingTalk.';

/**
 * The units routes over `api` (passed to the server as `adminRoutes`).
 *
 * @example
 * createHttpServer({ …, adminRoutes: [...unitRoutes(api), ...accountRoutes(api)] });
 */
export function unitRoutes(api: DingbridgeApi): AnyRoute[] {
  const tag = 'units';
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/units',
      operationId: 'listUnits',
      summary: 'List units (parents before children), or the children of one',
      tag,
      query: unitListQuerySchema,
      status: 200,
      response: z.object({ items: z.array(unitViewSchema) }),
      handler: async ({ query }) => ({ items: await api.units.list(query) }),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/units',
      operationId: 'addUnit',
      summary: 'Add a unit',
      description: PUSHED,
      tag,
      body: unitCreateSchema,
      status: 201,
      response: unitViewSchema,
      errors: [404, 409],
      handler: ({ body }) => api.units.add(body),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/units/:id',
      operationId: 'showUnit',
      summary: 'Show a unit',
      tag,
      params: idParams,
      status: 200,
      response: unitViewSchema,
      errors: [404],
      handler: ({ params }) => api.units.show(params.id),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/units/:id/editable',
      operationId: 'unitEditable',
      summary: 'Whether a unit may be renamed, reordered, moved or removed here, and why not',
      description: 'Refused for a DingTalk department inside its binding\'s target subtree unless outbound pushes the change; the answer names that binding.',
      tag,
      params: idParams,
      status: 200,
      response: unitEditabilitySchema,
      errors: [404],
      handler: ({ params }) => api.units.editable(params.id),
    }),
    defineRoute({
      method: 'PATCH',
      path: '/api/v1/units/:id',
      operationId: 'updateUnit',
      summary: 'Rename or reorder a unit',
      description: `Refused (409 unit.field_owned_by_dingtalk) for a DingTalk department unless its binding pushes the change. ${PUSHED}`,
      tag,
      params: idParams,
      body: unitUpdateSchema,
      status: 200,
      response: unitViewSchema,
      errors: [404, 409],
      handler: ({ params, body }) => api.units.update(params.id, body),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/units/:id/move',
      operationId: 'moveUnit',
      summary: 'Move a unit under another parent',
      description: `A move into the unit's own subtree is refused (409 unit.move_loop). ${PUSHED}`,
      tag,
      params: idParams,
      body: unitMoveSchema,
      status: 200,
      response: unitViewSchema,
      errors: [404, 409],
      handler: ({ params, body }) => api.units.move(params.id, body),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/v1/units/:id',
      operationId: 'removeUnit',
      summary: 'Remove an empty unit',
      description: `A unit with members or child units is refused (409 unit.not_empty, naming them). ${PUSHED}`,
      tag,
      params: idParams,
      status: 200,
      response: removalSchema,
      errors: [404, 409],
      handler: ({ params }) => api.units.remove(params.id),
    }),
  ];
}
