/**
 * The product's HTTP server: the admin REST API (`/api/v1`, bearer tokens), health, readiness and metrics, the
 * OpenAPI document and its browsable reference at `/docs` (Swagger UI, served from the package, no CDN).
 */
import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { DingbridgeApi } from '../app-api.ts';
import { AppError, isAppError } from '../core/index.ts';
import type { AdminTokens, VerifiedAdminToken } from './admin-tokens.ts';
import { bindingRoutes } from './bindings.routes.ts';
import { directoryRoutes } from './directory.routes.ts';
import { healthRoutes, type Readiness } from './health.routes.ts';
import type { Metrics } from './metrics.ts';
import { buildOpenApiDocument } from './openapi-document.ts';
import { registerRoute, type AnyRoute } from './route-contract.ts';
import { runRoutes } from './runs.routes.ts';

/** 1 MiB: the largest legitimate body is a binding with its field mapping, a few kilobytes. */
export const BODY_LIMIT = 1024 * 1024;
/** A request id the caller sent (a proxy's `x-request-id`) is kept when it looks like one; else a new uuid. */
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;

export interface HttpServerDeps {
  /** The services (or anything implementing the interface). */
  api: DingbridgeApi;
  adminTokens: AdminTokens;
  metrics: Metrics;
  readiness: Readiness;
  /** Fastify's loggerInstance; the Authorization header is redacted and never logged. */
  logger: Logger;
  version: string;
  /** `servers[]` of the OpenAPI document. */
  publicUrl: string;
  /**
   * Admin API routes of other areas (apps of the OIDC provider, …): declared like the built-in ones, so they are
   * authenticated, validated and in the OpenAPI document.
   */
  adminRoutes?: AnyRoute[];
  /**
   * Plugins of other areas with routes outside the admin API and its bearer auth (DingTalk callbacks, sign-in
   * pages, the OIDC provider). Registered after the admin API, with the same error and not-found handlers.
   */
  plugins?: ((app: FastifyInstance) => Promise<void>)[];
}

/**
 * Builds the server, not yet listening (`await app.listen({ host, port })`, or `app.inject` in tests).
 *
 * @example
 * const app = await createHttpServer({ api, adminTokens, metrics, readiness, logger, version, publicUrl });
 * await app.listen({ host: config.host, port: config.port });
 */
export async function createHttpServer(deps: HttpServerDeps): Promise<FastifyInstance> {
  // Typed as Fastify's base logger so the instance is a plain FastifyInstance (pino's own type would leak into it).
  const logger: FastifyBaseLogger = deps.logger.child(
    {},
    { redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization'], censor: '[redacted]' } },
  );
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: BODY_LIMIT,
    requestIdHeader: false,
    genReqId: (request) => {
      const sent = request.headers['x-request-id'];
      return typeof sent === 'string' && REQUEST_ID_PATTERN.test(sent) ? sent : randomUUID();
    },
    routerOptions: { maxParamLength: 200 },
  });

  // Many clients send `content-type: application/json` with no body on a bare POST (`…/check`, `…/approve`); that
  // is "no body", not malformed JSON. Anything else goes to Fastify's parser (which refuses `__proto__` keys).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString();
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    // Synchronous (it calls `done`); its type also allows a promise, which it never returns here.
    void parseJson(request, text, done);
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    done(null, payload);
  });

  const routes: AnyRoute[] = [
    ...bindingRoutes(deps.api),
    ...runRoutes(deps.api),
    ...directoryRoutes(deps.api),
    ...healthRoutes({ readiness: deps.readiness, metrics: deps.metrics }),
    ...(deps.adminRoutes ?? []),
  ];
  const document = buildOpenApiDocument(routes, { version: deps.version, publicUrl: deps.publicUrl });

  const authenticate = async (request: FastifyRequest): Promise<VerifiedAdminToken> => {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match?.[1]) {
      throw new AppError(
        'auth.required',
        'This route needs an admin token: send `Authorization: Bearer <token>` (the server writes one to DATA_DIR/admin-token).',
        { status: 401 },
      );
    }
    const token = await deps.adminTokens.verify(match[1]);
    if (!token) {
      throw new AppError('auth.invalid_token', 'The admin token is unknown, revoked or expired (a console DingTalk sign-in token also stops when its account is disabled or loses the console role). Use the one in DATA_DIR/admin-token, or sign in to the console again.', {
        status: 401,
      });
    }
    request.log.debug({ tokenId: token.id, tokenName: token.name }, 'admin token accepted');
    return token;
  };

  app.setErrorHandler((error, request, reply) => answerError(error, request, reply));
  app.setNotFoundHandler((request, reply) => {
    answerError(
      new AppError('route.not_found', `No route ${request.method} ${request.url.split('?')[0] ?? ''}. The API is described at /openapi.json.`, {
        status: 404,
      }),
      request,
      reply,
    );
  });

  for (const route of routes) registerRoute(app, route, authenticate);

  app.get('/openapi.json', { logLevel: 'warn' }, (_request, reply) => {
    void reply.type('application/json').send(document);
  });
  // Static mode: @fastify/swagger only hands our document to the UI; it does not collect Fastify route schemas.
  await app.register(swagger, { mode: 'static', specification: { document: document as never } });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // The plugin's own CSP adds `upgrade-insecure-requests`, which would send the assets of a plain-http server
    // (the loopback default, a LAN address) to https and break the page; the rest is the same: nothing off-origin.
    staticCSP:
      "default-src 'self'; base-uri 'self'; font-src 'self' data:; frame-ancestors 'self'; img-src 'self' data:; " +
      "object-src 'none'; script-src 'self'; script-src-attr 'none'; style-src 'self' 'unsafe-inline'",
    logLevel: 'warn',
    uiConfig: { persistAuthorization: false, tryItOutEnabled: false },
  });
  for (const plugin of deps.plugins ?? []) await plugin(app);
  return app;
}

/**
 * One error body for every failure: `{ error: { code, message, details? } }`. AppErrors keep their status; the
 * framework's own 4xx (bad JSON, a body too large, an unsupported content type) become `request.*` codes; anything
 * else, or an AppError not meant to be shown, is a 500 `internal` whose details go only to the log.
 */
function answerError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const appError = toAppError(error);
  if (!appError.expose) {
    request.log.error({ err: error, code: appError.code, details: appError.details }, 'request failed');
    void reply.code(500).send({ error: { code: 'internal', message: `Internal error (request ${request.id}); see the server log.` } });
    return;
  }
  if (appError.status >= 500) request.log.warn({ err: error, code: appError.code }, 'request failed');
  else request.log.info({ code: appError.code, status: appError.status }, 'request refused');
  if (appError.status === 401) void reply.header('www-authenticate', 'Bearer');
  void reply.code(appError.status).send({ error: appError.toJSON() });
}

function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  const fastifyError = error as Partial<FastifyError> | undefined;
  const status = fastifyError?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code =
      status === 413 ? 'request.too_large' : status === 415 ? 'request.unsupported_media_type' : 'request.invalid';
    return new AppError(code, fastifyError?.message ?? 'Bad request', {
      status,
      details: fastifyError?.code ? { reason: fastifyError.code } : {},
    });
  }
  return new AppError('internal', 'Internal error', { status: 500, expose: false });
}
