/**
 * Routes as contracts (STYLE.md §4): one object declares a route's method, path, params, query, body and answer as
 * zod schemas; {@link registerRoute} parses the request with them before the handler runs, and
 * `buildOpenApiDocument` turns the same objects into `/openapi.json`.
 *
 * Answers are sent as the handler returns them (plain `JSON.stringify`), never parsed through the response schema:
 * a schema that drifted from the services must not strip a field or turn a good answer into a 500. A test checks
 * real-shaped answers against the document instead.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { AppError } from '../core/index.ts';
import type { VerifiedAdminToken } from './admin-tokens.ts';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';
type Schema = z.ZodType;
type Parsed<S> = S extends Schema ? z.output<S> : undefined;

export interface RouteInput<P, Q, B> {
  params: Parsed<P>;
  query: Parsed<Q>;
  body: Parsed<B>;
  request: FastifyRequest;
  reply: FastifyReply;
  /** The admin token that authenticated the request; undefined on `auth: 'none'` routes. */
  caller: VerifiedAdminToken | undefined;
}

export interface RouteContract<P extends Schema | undefined, Q extends Schema | undefined, B extends Schema | undefined, R extends Schema> {
  method: HttpMethod;
  /** Fastify syntax (`/api/v1/bindings/:id`); the document shows `{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** `admin` (default): a valid admin token is required. `none`: health, metrics, documents. */
  auth?: 'admin' | 'none';
  params?: P;
  query?: Q;
  body?: B;
  /** A missing body is parsed as `{}` (for `POST …/sync`, whose options are all optional). */
  bodyOptional?: boolean;
  /** The success status and its body. */
  status: number;
  response: R;
  /** `application/json` unless said otherwise (the metrics text). */
  contentType?: string;
  /** Error statuses this route answers with besides 400/401/500, for the document (404, 409, 422…). */
  errors?: readonly number[];
  /** Other answers with a body of their own (`/readyz` 503), for the document; the handler sets the status. */
  alsoResponds?: Readonly<Record<number, { description: string; schema: Schema }>>;
  // A method, not a property, so a list of routes with different schemas type-checks (methods are bivariant).
  handler(input: RouteInput<P, Q, B>): Promise<z.input<R>>;
}

/** A route of any shape, as lists and the document generator take them. */
export type AnyRoute = RouteContract<Schema | undefined, Schema | undefined, Schema | undefined, Schema>;

/**
 * Declares a route; only gives the handler its parsed input types.
 *
 * @example
 * export const showBinding = defineRoute({
 *   method: 'GET', path: '/api/v1/bindings/:id', operationId: 'showBinding', summary: 'Show a binding', tag: 'bindings',
 *   params: idParams, status: 200, response: bindingViewSchema, errors: [404],
 *   handler: ({ params }) => api.bindings.show(params.id),
 * });
 */
export function defineRoute<
  R extends Schema,
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  B extends Schema | undefined = undefined,
>(route: RouteContract<P, Q, B, R>): AnyRoute {
  return route;
}

/** One problem with a request, as `request.invalid` lists them in `details.issues`. */
export interface RequestIssue {
  in: 'params' | 'query' | 'body';
  /** Dotted path of the field (`apiBase.oapi`); empty for the whole part. */
  field: string;
  message: string;
  code: string;
}

/**
 * Adds a route to `app`. `authenticate` runs first on admin routes; then params, query and body are parsed
 * together, so one answer names every bad field.
 */
export function registerRoute(
  app: FastifyInstance,
  route: AnyRoute,
  authenticate: (request: FastifyRequest) => Promise<VerifiedAdminToken>,
): void {
  app.route({
    method: route.method,
    url: route.path,
    handler: async (request, reply) => {
      const caller = (route.auth ?? 'admin') === 'admin' ? await authenticate(request) : undefined;
      const issues: RequestIssue[] = [];
      const params: unknown = parsePart(route.params, request.params, 'params', issues);
      const query: unknown = parsePart(route.query, request.query, 'query', issues);
      const rawBody = request.body === undefined || request.body === null ? (route.bodyOptional ? {} : undefined) : request.body;
      const body: unknown = parsePart(route.body, rawBody, 'body', issues);
      if (issues.length > 0) throw requestInvalid(issues);
      const answer: unknown = await route.handler({ params, query, body, request, reply, caller });
      if (reply.statusCode === 200) reply.code(route.status);
      if (route.contentType && !reply.hasHeader('content-type')) reply.type(route.contentType);
      return answer;
    },
  });
}

function parsePart(schema: Schema | undefined, value: unknown, part: RequestIssue['in'], issues: RequestIssue[]): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) issues.push(...describeIssue(issue, value, part));
  return undefined;
}

/** Names the field of each issue; a missing value says `Required`, an unknown key names the key. */
function describeIssue(issue: z.core.$ZodIssue, input: unknown, part: RequestIssue['in']): RequestIssue[] {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      in: part,
      field: [...path, key].join('.'),
      message: 'Unknown field (check its spelling)',
      code: issue.code,
    }));
  }
  const missing = issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined;
  if (part === 'body' && issue.path.length === 0 && input === undefined) {
    return [{ in: part, field: '', message: 'A JSON body is required (content-type: application/json)', code: issue.code }];
  }
  return [{ in: part, field: path.join('.'), message: missing ? 'Required' : issue.message, code: issue.code }];
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/**
 * The 400 for a request that does not parse; the message names each bad field.
 *
 * @example
 * throw requestInvalid([{ in: 'body', field: 'corpId', message: 'Required', code: 'invalid_type' }]);
 */
export function requestInvalid(issues: readonly RequestIssue[]): AppError {
  const named = issues.map((issue) => `${issue.field === '' ? issue.in : issue.in === 'body' ? issue.field : `${issue.in}.${issue.field}`}: ${issue.message}`);
  return new AppError('request.invalid', `Invalid request: ${named.join('; ')}.`, {
    status: 400,
    details: { issues },
  });
}
