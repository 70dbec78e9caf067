/**
 * The emulator's own control API under `/_emulator/` — never on a DingTalk path. JSON in and out, bodies checked
 * with zod; errors are `{code, message, details}` with a 4xx status (the product's AppError shape). It is a test
 * tool: `GET /_emulator/state` includes app secrets on purpose, so that a test or a demo can log in as any app.
 * Documented in README.md beside this file.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError, type Clock, type ManualClock } from '../core/index.ts';
import { PERMISSIONS, type EmulatorApp } from './app-registry.ts';
import type { EmulatorContext } from './emulator-context.ts';
import { resetEmulator } from './emulator-reset.ts';
import { faultSettingsSchema } from './fault-injector.ts';
import { defaultDeptCount } from './org-generator.ts';
import { ROOT_DEPT_ID } from './org-types.ts';
import { bodyOf, isRecord } from './request-body.ts';
import { orgUserJson } from './user-view.ts';

export const LIMITS = { users: 500_000, depts: 100_000, qps: 100_000 } as const;

const credential = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'letters, digits, _ and - only (1–128)');
const permission = z.enum(PERMISSIONS);

const scopeSchema = z
  .object({ authedDept: z.array(z.int().min(1)).max(1000), authedUser: z.array(z.string().min(1).max(64)).max(1000) })
  .strict();

const schemas = {
  reset: z
    .object({
      seed: z.string().min(1).max(200).optional(),
      users: z.int().min(1).max(LIMITS.users).optional(),
      depts: z.int().min(1).max(LIMITS.depts).optional(),
      qps: z.int().min(0).max(LIMITS.qps).optional(),
    })
    .strict(),
  newApp: z
    .object({
      appKey: credential.optional(),
      appSecret: credential.optional(),
      agentId: z.string().regex(/^\d{1,20}$/).optional(),
      permissions: z.array(permission).optional(),
      scope: scopeSchema.optional(),
    })
    .strict(),
  permissions: z.object({ granted: z.array(permission).optional(), revoked: z.array(permission).optional() }).strict(),
  scope: scopeSchema,
  clock: z.object({ advanceMs: z.int().min(0).optional(), now: z.int().min(0).optional() }).strict(),
};

export function registerControlRoutes(app: FastifyInstance, context: EmulatorContext): void {
  app.get('/_emulator/state', () => stateOf(context));

  app.post('/_emulator/reset', (request) => {
    const input = parseBody(request, schemas.reset);
    // Sizes not given are kept, except that new users without depts get the default department count for them.
    const seed = input.seed ?? context.settings.seed;
    const users = input.users ?? context.settings.users;
    const depts = input.depts ?? (input.users === undefined ? context.settings.depts : defaultDeptCount(users));
    resetEmulator(context, { seed, users, depts }, input.qps ?? context.rates.qps);
    return stateOf(context);
  });

  app.get('/_emulator/calls', () => context.calls.snapshot());
  app.delete('/_emulator/calls', () => {
    context.calls.reset();
    return context.calls.snapshot();
  });

  app.post('/_emulator/apps', (request, reply) => {
    const input = parseBody(request, schemas.newApp);
    if (input.scope) checkScope(context, input.scope);
    const created = context.apps.create({ appKey: input.appKey, appSecret: input.appSecret, agentId: input.agentId });
    if (input.permissions) created.permissions = new Set(input.permissions);
    if (input.scope) created.scope = input.scope;
    return reply.code(201).send({ corpId: context.corpId, ...appJson(created) });
  });

  app.put('/_emulator/apps/:appKey/permissions', (request) => {
    const target = appOf(context, request);
    const input = parseBody(request, schemas.permissions);
    for (const name of input.granted ?? []) target.permissions.add(name);
    for (const name of input.revoked ?? []) target.permissions.delete(name);
    return appJson(target);
  });

  app.put('/_emulator/apps/:appKey/scope', (request) => {
    const target = appOf(context, request);
    const input = parseBody(request, schemas.scope);
    checkScope(context, input);
    target.scope = input;
    return appJson(target);
  });

  app.get('/_emulator/faults', () => context.faults.settings);
  app.put('/_emulator/faults', (request) => {
    context.faults.set(parseBody(request, faultSettingsSchema));
    return context.faults.settings;
  });
  app.delete('/_emulator/faults', () => {
    context.faults.clear();
    return context.faults.settings;
  });

  app.get('/_emulator/org', (_request, reply) =>
    reply.header('content-type', 'application/json; charset=utf-8').send(Readable.from(orgJsonChunks(context))),
  );
  app.get('/_emulator/org/users/:userid', (request) => {
    const userid = isRecord(request.params) ? String(request.params.userid) : '';
    const user = context.org.user(userid);
    if (!user) throw new AppError('emulator.user_not_found', `No user with userid ${userid}.`, { status: 404 });
    return orgUserJson(user, context.org);
  });

  app.put('/_emulator/clock', (request) => {
    const clock = manualClockOf(context.clock);
    const input = parseBody(request, schemas.clock);
    if (input.now !== undefined) clock.set(input.now);
    if (input.advanceMs !== undefined) clock.advance(input.advanceMs);
    return clockJson(context.clock);
  });

  app.all('/_emulator/*', (request) => {
    throw new AppError('emulator.not_found', `No control route ${request.method} ${request.url.split('?')[0]}; see GET /_emulator/state and the emulator README.`, { status: 404 });
  });
}

export function parseBody<S extends z.ZodType>(request: FastifyRequest, schema: S): z.output<S> {
  const body = bodyOf(request);
  if (body.kind === 'malformed') {
    throw new AppError('emulator.invalid_body', `The body is not valid JSON: ${body.reason}`, { status: 400 });
  }
  const value = body.kind === 'none' ? {} : body.kind === 'json' ? body.value : undefined;
  if (value === undefined) {
    throw new AppError('emulator.invalid_body', 'The body must be JSON (Content-Type: application/json).', { status: 400 });
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  const summary = issues.map((issue) => `${issue.path || '(body)'}: ${issue.message}`).join('; ');
  throw new AppError('emulator.invalid_body', `Invalid body: ${summary}`, { status: 400, details: { issues } });
}

export function appOf(context: EmulatorContext, request: FastifyRequest): EmulatorApp {
  const appKey = isRecord(request.params) ? String(request.params.appKey) : '';
  const found = context.apps.get(appKey);
  if (!found) throw new AppError('emulator.app_not_found', `No app with appKey ${appKey}; list them with GET /_emulator/state.`, { status: 404 });
  return found;
}

/** Scope entries must name existing departments and people, so that a typo does not silently hide the whole org. */
function checkScope(context: EmulatorContext, scope: { authedDept: number[]; authedUser: string[] }): void {
  const missingDepts = scope.authedDept.filter((id) => !context.org.department(id));
  const missingUsers = scope.authedUser.filter((id) => !context.org.user(id));
  if (missingDepts.length > 0 || missingUsers.length > 0) {
    throw new AppError('emulator.invalid_body', `Unknown departments [${missingDepts.join(', ')}] or users [${missingUsers.join(', ')}] in scope.`, {
      status: 400,
      details: { missingDepts, missingUsers },
    });
  }
}

function manualClockOf(clock: Clock): ManualClock {
  const candidate = clock as Partial<ManualClock>;
  if (typeof candidate.advance !== 'function' || typeof candidate.set !== 'function') {
    throw new AppError('emulator.clock_not_manual', 'The emulator runs on the system clock; start it with a manual clock to move time.', { status: 409 });
  }
  return clock as ManualClock;
}

function appJson(target: EmulatorApp): Record<string, unknown> {
  return {
    appKey: target.appKey,
    appSecret: target.appSecret,
    agentId: target.agentId,
    permissions: [...target.permissions],
    scope: { authedDept: [...target.scope.authedDept], authedUser: [...target.scope.authedUser] },
  };
}

function clockJson(clock: Clock): Record<string, unknown> {
  const now = clock.now();
  return { now, iso: new Date(now).toISOString(), manual: typeof (clock as Partial<ManualClock>).advance === 'function' };
}

function stateOf(context: EmulatorContext): Record<string, unknown> {
  return {
    corpId: context.corpId,
    corpName: context.org.corpName,
    seed: context.settings.seed,
    counts: { users: context.org.userCount, activeUsers: context.org.countUsers(true), depts: context.org.departmentCount },
    qps: context.rates.qps,
    clock: clockJson(context.clock),
    apps: context.apps.list().map(appJson),
    faults: context.faults.settings,
  };
}

/**
 * The whole organization as plain JSON, for tests that compare a sync's result with the source:
 * `{corpId, corpName, departments: [{dept_id, name, parent_id, order}], users: [...]}`. Streamed in chunks of a
 * thousand records, so that dumping 100,000 people does not hold a second copy of the organization in memory.
 */
function* orgJsonChunks(context: EmulatorContext): Generator<string> {
  const { org } = context;
  yield `{"corpId":${JSON.stringify(context.corpId)},"corpName":${JSON.stringify(org.corpName)},"departments":[`;
  yield* inChunks(org.departments(), (d) =>
    JSON.stringify({ dept_id: d.deptId, name: d.name, parent_id: d.deptId === ROOT_DEPT_ID ? null : d.parentId, order: d.order }),
  );
  yield '],"users":[';
  yield* inChunks(org.users(), (u) => JSON.stringify(orgUserJson(u, org)));
  yield ']}';
}

function* inChunks<T>(items: Iterable<T>, toJson: (item: T) => string): Generator<string> {
  let batch: string[] = [];
  let first = true;
  for (const item of items) {
    batch.push(toJson(item));
    if (batch.length === 1000) {
      yield (first ? '' : ',') + batch.join(',');
      first = false;
      batch = [];
    }
  }
  if (batch.length > 0) yield (first ? '' : ',') + batch.join(',');
}
