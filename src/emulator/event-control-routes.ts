/**
 * Control routes for events (README.md beside this file, "Events"): what was emitted and what became of each
 * delivery, and each app's event mode as the developer console sets it — none, HTTP push (request URL, token,
 * aes_key; saved only after a passing check_url, §7.5) or Stream.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError } from '../core/index.ts';
import { AES_KEY_PATTERN } from './callback-crypto.ts';
import { appOf, parseBody } from './control-routes.ts';
import type { EmulatorContext } from './emulator-context.ts';
import type { AppEventConfig, HttpSubscription } from './event-hub.ts';
import type { DeliveryStatus } from './event-log.ts';
import { ADDRESS_BOOK_EVENTS } from './event-payload.ts';
import { APP_TOKEN_PATTERN, callbackUrlSchema } from './event-settings.ts';
import { isRecord } from './request-body.ts';

const STATUSES = ['pending', 'retrying', 'delivered', 'failed', 'sent', 'acked', 'later', 'dropped'] as const satisfies readonly DeliveryStatus[];

const eventQuerySchema = z
  .object({
    type: z.string().min(1).max(64).optional(),
    status: z.enum(STATUSES).optional(),
    appKey: z.string().min(1).max(128).optional(),
    limit: z.coerce.number().pipe(z.int().min(1).max(1000)).optional(),
  })
  .strict();

const eventTypes = z.array(z.enum(ADDRESS_BOOK_EVENTS)).min(1).max(ADDRESS_BOOK_EVENTS.length).optional();

const appEventsSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('none') }).strict(),
  z.object({ mode: z.literal('stream'), eventTypes }).strict(),
  z
    .object({
      mode: z.literal('http'),
      url: callbackUrlSchema,
      token: z.string().regex(APP_TOKEN_PATTERN, '3–32 letters or digits (§7.1)'),
      aesKey: z.string().regex(AES_KEY_PATTERN, '43 letters or digits (§7.1)'),
      eventTypes,
      /** `current` (default) or `legacy` body keys (§8.2, §13.2). */
      format: z.enum(['current', 'legacy']).optional(),
    })
    .strict(),
]);

/** An app's own HTTP subscription: owner key = AppKey (§7.3). */
export function appSubscription(appKey: string, input: { url: string; token: string; aesKey: string; eventTypes?: readonly string[] | undefined; format?: 'current' | 'legacy' | undefined }): HttpSubscription {
  return {
    id: `app:${appKey}`,
    kind: 'app',
    appKey,
    ownerKey: appKey,
    url: input.url,
    token: input.token,
    aesKey: input.aesKey,
    eventTypes: input.eventTypes ? new Set(input.eventTypes) : undefined,
    format: input.format ?? 'current',
  };
}

export function registerEventControlRoutes(app: FastifyInstance, context: EmulatorContext): void {
  app.get('/_emulator/events', (request) => {
    const query = eventQuerySchema.safeParse(isRecord(request.query) ? request.query : {});
    if (!query.success) {
      const summary = query.error.issues.map((issue) => `${issue.path.join('.') || '(query)'}: ${issue.message}`).join('; ');
      throw new AppError('emulator.invalid_query', `Invalid query: ${summary}`, { status: 400 });
    }
    return context.events.log.query(query.data);
  });

  app.get('/_emulator/apps/:appKey/events', (request) => appEventsJson(context, appOf(context, request).appKey));

  app.put('/_emulator/apps/:appKey/events', async (request) => {
    const { appKey } = appOf(context, request);
    const input = parseBody(request, appEventsSchema);
    let config: AppEventConfig;
    if (input.mode === 'http') {
      const subscription = appSubscription(appKey, input);
      const outcome = await context.events.checkUrl(subscription);
      if (!outcome.ok) {
        throw new AppError('emulator.callback_check_failed', `check_url to ${input.url} failed (§7.5): ${outcome.reason}`, {
          status: 422,
          details: { kind: outcome.kind, reason: outcome.reason },
        });
      }
      config = { mode: 'http', subscription };
    } else if (input.mode === 'stream') {
      config = { mode: 'stream', eventTypes: input.eventTypes ? new Set(input.eventTypes) : undefined };
    } else {
      config = { mode: 'none' };
    }
    context.events.configure(appKey, config);
    return appEventsJson(context, appKey);
  });

  app.post('/_emulator/apps/:appKey/stream/disconnect', (request) => {
    const { appKey } = appOf(context, request);
    parseBody(request, z.object({}).strict());
    return { appKey, disconnected: context.events.disconnectStream(appKey) };
  });

  app.delete('/_emulator/events', (request) => {
    parseBody(request, z.object({}).strict());
    context.events.log.clear();
    return context.events.log.query();
  });
}

/**
 * An app's event mode, its live Stream connections, its `register_call_back` registration and how many failed
 * events wait (secrets included).
 */
function appEventsJson(context: EmulatorContext, appKey: string): Record<string, unknown> {
  const config = context.events.configOf(appKey);
  const types = (set: ReadonlySet<string> | undefined) => (set ? { eventTypes: [...set] } : {});
  const registration = context.events.registrationOf(appKey);
  return {
    appKey,
    mode: config.mode,
    ...(config.mode === 'http'
      ? { url: config.subscription.url, token: config.subscription.token, aesKey: config.subscription.aesKey, format: config.subscription.format, ...types(config.subscription.eventTypes) }
      : {}),
    ...(config.mode === 'stream' ? types(config.eventTypes) : {}),
    connections: context.events.streamConnections(appKey),
    ...(registration
      ? { registration: { url: registration.url, token: registration.token, aesKey: registration.aesKey, callBackTag: [...(registration.eventTypes ?? [])] } }
      : {}),
    failed: context.events.failed.count(appKey),
  };
}
