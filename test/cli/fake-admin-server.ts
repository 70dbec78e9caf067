/**
 * A small Fastify server speaking the admin REST API over any DingbridgeApi, so the CLI's client is tested over a
 * real socket without the product's HTTP server (built elsewhere). It follows the agreed wire rules: bearer token,
 * `{items}` lists, 201/202 for creates and starts, `{error:{code,message,details}}` bodies, 400 `request.invalid`.
 */
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { DingbridgeApi } from '../../src/app-api.ts';
import { AppError, isAppError } from '../../src/core/index.ts';
import { runListQuerySchema, runOpsQuerySchema } from '../../src/sync/sync-run-contract.ts';

export interface FakeAdminServer {
  url: string;
  close(): Promise<void>;
}

type Req = FastifyRequest<{ Params: { id: string }; Querystring: Record<string, string> }>;

export async function startFakeAdminServer(api: DingbridgeApi, token: string): Promise<FakeAdminServer> {
  const app = Fastify();
  const parse = <T>(schema: z.ZodType<T>, value: unknown): T => {
    const result = schema.safeParse(value);
    if (!result.success) {
      throw new AppError('request.invalid', `Invalid request: ${result.error.issues.map((i) => i.path.join('.')).join(', ')}.`, { status: 400, details: { issues: result.error.issues } });
    }
    return result.data;
  };
  const verify = (request: Req) => request.query.verify !== 'false';

  app.get('/healthz', () => ({ status: 'ok' }));
  app.register(
    (scope, _options, done) => {
      scope.addHook('onRequest', (request, _reply, next) => {
        const header = request.headers.authorization;
        if (!header) next(new AppError('auth.required', 'Send Authorization: Bearer <token>.', { status: 401 }));
        else if (header !== `Bearer ${token}`) next(new AppError('auth.invalid_token', 'That admin token is not valid.', { status: 401 }));
        else next();
      });
      scope.get('/bindings', async () => ({ items: await api.bindings.list() }));
      scope.post('/bindings', async (request: Req, reply: FastifyReply) => reply.code(201).send(await api.bindings.add(request.body as never, { verify: verify(request) })));
      scope.get('/bindings/:id', (request: Req) => api.bindings.show(request.params.id));
      scope.patch('/bindings/:id', (request: Req) => api.bindings.update(request.params.id, request.body as never, { verify: verify(request) }));
      scope.delete('/bindings/:id', (request: Req) => api.bindings.remove(request.params.id));
      scope.post('/bindings/:id/check', (request: Req) => api.bindings.check(request.params.id));
      scope.post('/bindings/:id/sync', async (request: Req, reply: FastifyReply) => {
        const body = parse(z.object({ dryRun: z.boolean().optional() }).strict(), request.body ?? {});
        return reply.code(202).send(await api.runs.start(request.params.id, body));
      });
      scope.get('/runs', async (request: Req) => ({ items: await api.runs.list(parse(runListQuerySchema, request.query)) }));
      scope.get('/runs/:id', (request: Req) => api.runs.show(request.params.id));
      scope.get('/runs/:id/ops', async (request: Req) => ({ items: await api.runs.ops(request.params.id, parse(runOpsQuerySchema, request.query)) }));
      scope.post('/runs/:id/approve', (request: Req) => api.runs.approve(request.params.id));
      scope.post('/runs/:id/reject', (request: Req) => api.runs.reject(request.params.id));
      scope.get('/directory', () => api.directory.export());
      done();
    },
    { prefix: '/api/v1' },
  );
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: { code: 'route.not_found', message: `No route ${request.method} ${request.url}.`, details: {} } }));
  app.setErrorHandler((error, _request, reply) => {
    if (isAppError(error) && error.expose) return reply.code(error.status).send({ error: error.toJSON() });
    return reply.code(500).send({ error: { code: 'internal', message: 'Internal error', details: {} } });
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, close: () => app.close() };
}
