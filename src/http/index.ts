/**
 * The HTTP area's only face: the product's Fastify server, admin tokens, metrics, and the server info file.
 *
 * @example
 * import { createHttpServer, createAdminTokens, createMetrics } from '../http/index.ts';
 */
export { createHttpServer, BODY_LIMIT, type HttpServerDeps } from './http-server.ts';
export { createAdminTokens, type AdminTokens, type VerifiedAdminToken } from './admin-tokens.ts';
export { createMetrics, type Metrics } from './metrics.ts';
export { buildOpenApiDocument, errorBodySchema, type OpenApiDocument } from './openapi-document.ts';
export type { Readiness } from './health.routes.ts';
export {
  ADMIN_TOKEN_FILE,
  SERVER_INFO_FILE,
  readServerInfo,
  serverInfoSchema,
  writeServerInfo,
  type ServerInfo,
} from './server-info.ts';
export { defineRoute, type AnyRoute, type RouteContract, type RouteInput } from './route-contract.ts';
export { unitRoutes } from './units.routes.ts';
export { accountRoutes } from './accounts.routes.ts';
