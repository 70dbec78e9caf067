/**
 * Builds one emulator — organization, apps, tokens, rate windows, counters, faults and one Fastify server with
 * the oapi, api and control routes on a single base URL — from its options, and runs it.
 *
 * Everything is made here and handed down (no module singletons), so several emulators can run in one process
 * and a test controls each one's clock.
 */
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError, isAppError, systemClock, type Clock } from '../core/index.ts';
import { authenticateApi, registerApiRoutes } from './api-routes.ts';
import { sendApiError } from './api-envelope.ts';
import { AppRegistry, newCredentials } from './app-registry.ts';
import { CallCounter } from './call-counter.ts';
import { LIMITS, registerControlRoutes } from './control-routes.ts';
import type { EmulatorContext } from './emulator-context.ts';
import { organizationOf } from './emulator-reset.ts';
import { FaultInjector } from './fault-injector.ts';
import { LoginState, loginOapiMethods, registerLoginRoutes } from './login-routes.ts';
import { callbackMethods } from './callback-methods.ts';
import { dingTalkError } from './dingtalk-error.ts';
import { EventHub } from './event-hub.ts';
import { registerEventRoutes } from './event-routes.ts';
import { eventOptionsShape, type EventOptions } from './event-settings.ts';
import { isTopapi, OAPI_NOT_FOUND, oapiFailure, oapiUnknownMethod, sendOapi } from './oapi-envelope.ts';
import { registerOapiRoutes } from './oapi-routes.ts';
import { defaultDeptCount } from './org-generator.ts';
import { OrgStore } from './org-store.ts';
import { RateWindow } from './rate-window.ts';
import { BODY_LIMIT, registerBodyParser } from './request-body.ts';
import { createRandom, HEX } from './seeded-random.ts';
import { TokenIssuer } from './token-issuer.ts';

/** Options of {@link startEmulator}; every one has a default. The event options are documented in event-settings.ts. */
export interface EmulatorOptions extends EventOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Default `dingbridge`. The same seed gives the same organization and the same credentials. */
  seed?: string;
  /** People; default 200. */
  users?: number;
  /** Departments including the root; default about users / 25, at least 5. */
  depts?: number;
  /** Calls per second per app per API (§6.3); default 20, 0 = unlimited. */
  qps?: number;
  corpId?: string;
  appKey?: string;
  appSecret?: string;
  agentId?: string;
  /** Time for tokens and rate windows; default the system clock. A manual clock enables `PUT /_emulator/clock`. */
  clock?: Clock;
  /** Log to stderr (pino); default false. */
  logger?: boolean;
}

export interface RunningEmulator {
  /** Base URL of both API families and the control API, e.g. `http://127.0.0.1:9090`. */
  url: string;
  corpId: string;
  appKey: string;
  appSecret: string;
  agentId: string;
  /** Current size of the organization (it changes with writes and resets). */
  counts(): { users: number; depts: number };
  close(): Promise<void>;
}

const credential = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'letters, digits, _ and - only (1–128 characters)');

const optionsSchema = z
  .object({
    host: z.string().min(1).max(255).optional(),
    port: z.int().min(0).max(65_535).optional(),
    seed: z.string().min(1).max(200).optional(),
    users: z.int().min(1).max(LIMITS.users).optional(),
    depts: z.int().min(1).max(LIMITS.depts).optional(),
    qps: z.int().min(0).max(LIMITS.qps).optional(),
    corpId: credential.optional(),
    appKey: credential.optional(),
    appSecret: credential.optional(),
    agentId: z.string().regex(/^\d{1,20}$/, 'digits only').optional(),
    clock: z.custom<Clock>((value) => typeof (value as Partial<Clock> | undefined)?.now === 'function', 'a Clock').optional(),
    logger: z.boolean().optional(),
    ...eventOptionsShape,
  })
  .strict();

export interface Emulator {
  app: FastifyInstance;
  context: EmulatorContext;
}

/** Builds the emulator without listening (tests call `app.inject`). Throws AppError 400 for bad options. */
export function createEmulator(options: EmulatorOptions = {}): Emulator {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('emulator.invalid_options', `Invalid emulator option ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`, { status: 400 });
  }
  const input = parsed.data;
  const seed = input.seed ?? 'dingbridge';
  const users = input.users ?? 200;
  const settings = { seed, users, depts: input.depts ?? defaultDeptCount(users) };
  const clock = input.clock ?? systemClock;
  const random = createRandom(seed);
  const primary = { ...newCredentials(random.fork('app/primary')) };
  if (input.appKey) primary.appKey = input.appKey;
  if (input.appSecret) primary.appSecret = input.appSecret;
  if (input.agentId) primary.agentId = input.agentId;
  const { data, random: storeRandom } = organizationOf(settings);

  const corpId = input.corpId ?? `ding${random.fork('corp').chars(HEX, 16)}`;
  const org = new OrgStore(data, { clock, random: storeRandom });
  const apps = new AppRegistry(primary, random.fork('apps'));
  const context: EmulatorContext = {
    clock,
    corpId,
    org,
    apps,
    events: new EventHub({ clock, corpId, org, apps }),
    tokens: new TokenIssuer(),
    rates: new RateWindow(input.qps ?? 20),
    calls: new CallCounter(),
    faults: new FaultInjector(random.fork('faults')),
    login: new LoginState(random.fork('login')),
    settings,
  };

  const app = Fastify({
    logger: input.logger ? { level: 'info', stream: process.stderr } : false,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    routerOptions: { maxParamLength: 200 },
    forceCloseConnections: true,
    frameworkErrors: (error, request, reply) => answerError(error, request, reply),
  });
  registerBodyParser(app);
  registerOapiRoutes(app, context, [...loginOapiMethods(context.login, clock), ...callbackMethods(context.events)]);
  registerApiRoutes(app, context);
  registerControlRoutes(app, context);
  registerEventRoutes(app, context, input);
  registerLoginRoutes(app, context);
  app.setNotFoundHandler((request, reply) => answerNotFound(context, request, reply));
  app.setErrorHandler((error, request, reply) => answerError(error, request, reply));
  return { app, context };
}

/**
 * Starts an emulator and resolves once it listens.
 *
 * @example
 * const emulator = await startEmulator({ users: 1000, seed: 'demo' });
 * const res = await fetch(`${emulator.url}/gettoken?appkey=${emulator.appKey}&appsecret=${emulator.appSecret}`);
 * await emulator.close();
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const { app, context } = createEmulator(options);
  try {
    await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  } catch (error) {
    await app.close();
    const reason = error instanceof Error ? error.message : String(error);
    throw new AppError('emulator.listen_failed', `The emulator could not listen on ${options.host ?? '127.0.0.1'}:${options.port ?? 0}: ${reason} (choose another port, or 0 for a free one)`, {
      status: 503,
      cause: error,
    });
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const host = options.host ?? '127.0.0.1';
  const primary = context.apps.primary;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    corpId: context.corpId,
    appKey: primary.appKey,
    appSecret: primary.appSecret,
    agentId: primary.agentId,
    counts: () => ({ users: context.org.userCount, depts: context.org.departmentCount }),
    close: () => app.close(),
  };
}

type Family = 'control' | 'api' | 'topapi' | 'oapi';

function familyOf(url: string): Family {
  const path = url.split('?')[0] ?? '';
  if (path === '/_emulator' || path.startsWith('/_emulator/')) return 'control';
  if (path.startsWith('/v1.0/')) return 'api';
  return isTopapi(path) ? 'topapi' : 'oapi';
}

/** §2: unknown topapi methods are errcode 22, other unknown oapi paths errcode 404 — both with HTTP 200. */
function answerNotFound(context: EmulatorContext, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = request.url.split('?')[0] ?? '';
  switch (familyOf(request.url)) {
    case 'control':
      return reply.code(404).send(new AppError('emulator.not_found', `No control route ${request.method} ${path}.`, { status: 404 }).toJSON());
    case 'api':
      if (!authenticateApi(context, request, reply)) return reply;
      return sendApiError(reply, 404, 'InvalidAction.NotFound', 'Specified api is not found, please check your url and method.');
    case 'topapi':
      return sendOapi(reply, oapiUnknownMethod(path));
    case 'oapi':
      return sendOapi(reply, OAPI_NOT_FOUND);
  }
}

/**
 * Last line of defence: whatever was thrown, answer in the family's own shape and never with a stack trace.
 * Client errors Fastify raises itself (body too large, bad URL) are the caller's fault; anything else is a bug
 * of the emulator, logged, and answered as DingTalk's "system busy".
 */
function answerError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const status = (error as Partial<FastifyError> | undefined)?.statusCode;
  const clientError = isAppError(error) ? error.status < 500 : typeof status === 'number' && status >= 400 && status < 500;
  if (!clientError) request.log.error({ err: error }, 'emulator internal error');
  const message = clientError ? clientMessage(error) : 'internal error';
  switch (familyOf(request.url)) {
    case 'control': {
      const appError = isAppError(error) ? error : new AppError(clientError ? 'emulator.bad_request' : 'emulator.internal', message, { status: clientError ? (status ?? 400) : 500 });
      return reply.code(appError.status).send(appError.toJSON());
    }
    case 'api':
      return clientError ? sendApiError(reply, status ?? 400, 'InvalidParameter', message) : sendApiError(reply, 503, 'unknownError', '系统繁忙');
    case 'topapi':
    case 'oapi':
      return sendOapi(reply, oapiFailure(clientError ? dingTalkError(400002, `无效的参数: ${message}`) : dingTalkError(-1), familyOf(request.url) === 'topapi'));
  }
}

/** Fastify's own messages, except those that would echo the request URL (and with it an access token). */
function clientMessage(error: unknown): string {
  const code = (error as Partial<FastifyError> | undefined)?.code;
  if (code === 'FST_ERR_BAD_URL' || code === 'FST_ERR_ASYNC_CONSTRAINT') return 'invalid URL';
  return error instanceof Error ? error.message.slice(0, 200) : 'bad request';
}
