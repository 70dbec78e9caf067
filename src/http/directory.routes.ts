/** `/api/v1/directory`: the local directory as one document. */
import type { DingbridgeApi } from '../app-api.ts';
import { directoryExportSchema } from '../directory/directory-contract.ts';
import { defineRoute, type AnyRoute } from './route-contract.ts';

/**
 * The directory routes over `api`.
 *
 * @example
 * for (const route of directoryRoutes(api)) registerRoute(app, route, authenticate);
 */
export function directoryRoutes(api: DingbridgeApi): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/directory',
      operationId: 'exportDirectory',
      summary: 'Export the directory: every unit and account',
      tag: 'directory',
      status: 200,
      response: directoryExportSchema,
      handler: () => api.directory.export(),
    }),
  ];
}
