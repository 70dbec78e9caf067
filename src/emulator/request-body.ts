/**
 * One lenient body parser for every route: DingTalk clients send JSON with typed values, JSON with every scalar
 * as a string, and form-urlencoded bodies (§2), and garbage must never become a 500. The parser never fails: it
 * records what it saw, and each route family decides what that means (oapi: 400002; api: `Missingbody`; control
 * API: 400).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';

export type RequestBody =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown }
  | { kind: 'form'; value: Record<string, string> }
  | { kind: 'text'; value: string }
  | { kind: 'malformed'; reason: string };

/** Bodies above this size are refused by Fastify before parsing (then answered by the family's error handler). */
export const BODY_LIMIT = 8 * 1024 * 1024;

export function registerBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    done(null, parseBody(String(request.headers['content-type'] ?? ''), typeof body === 'string' ? body : body.toString('utf8')));
  });
}

export function parseBody(contentType: string, text: string): RequestBody {
  if (text.trim() === '') return { kind: 'none' };
  const type = contentType.toLowerCase();
  if (type.includes('json')) {
    try {
      return { kind: 'json', value: JSON.parse(text) as unknown };
    } catch (error) {
      return { kind: 'malformed', reason: error instanceof Error ? error.message : 'invalid JSON' };
    }
  }
  if (type.includes('x-www-form-urlencoded')) return { kind: 'form', value: parseForm(text) };
  return { kind: 'text', value: text };
}

/** The parsed body of a request (`none` for requests without one, such as GET). */
export function bodyOf(request: FastifyRequest): RequestBody {
  const body = request.body as RequestBody | undefined;
  return body && typeof body === 'object' && 'kind' in body ? body : { kind: 'none' };
}

/** Form fields; a repeated field keeps its last value. `Object.fromEntries` defines keys, so `__proto__` stays data. */
export function parseForm(text: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(text));
}

/** A plain object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
