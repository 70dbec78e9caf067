/**
 * Everything about events on one emulator, registered on its Fastify server in one call: the console operations
 * and event control routes, the Stream gateway and WebSocket, and the senders (HTTP push, Stream) that listen to the
 * organization's changes. The legacy
 * `call_back/*` oapi methods are in callback-methods.ts, registered with the other oapi methods. Closing the server stops
 * every push, timer and connection (a `preClose` hook, before Fastify waits for open sockets).
 */
import type { FastifyInstance } from 'fastify';
import { registerAdminOpsRoutes } from './admin-ops-routes.ts';
import type { EmulatorContext } from './emulator-context.ts';
import { appSubscription, registerEventControlRoutes } from './event-control-routes.ts';
import { eventSettingsOf, type EventOptions, type EventSettings } from './event-settings.ts';
import { EventTimers } from './event-timers.ts';
import { HttpPusher } from './http-push.ts';
import { createRandom } from './seeded-random.ts';
import { StreamHub } from './stream-connections.ts';
import { registerStreamGateway, TicketBook } from './stream-gateway.ts';

export function registerEventRoutes(app: FastifyInstance, context: EmulatorContext, options: EventOptions): EventSettings {
  const settings = eventSettingsOf(options);
  const timers = new EventTimers(settings.pushDelayScale);
  const http = new HttpPusher({ clock: context.clock, timers, settings, failed: context.events.failed });
  const tickets = new TicketBook(context.clock, settings.ticketTtlMs);
  const stream = new StreamHub({ clock: context.clock, timers, settings, tickets, random: createRandom(context.settings.seed).fork('stream') });
  context.events.attach({ http, stream });
  // §9.1: the WebSocket shares the HTTP server; the ticket is checked at the upgrade.
  app.server.on('upgrade', (request, socket, head) => stream.handleUpgrade(request, socket, head));
  const { appKey } = context.apps.primary;
  const { callbackUrl: url, callbackToken: token, callbackAesKey: aesKey } = options;
  // Flags set the subscription without check_url: the receiver commonly starts after the emulator.
  if (url !== undefined && token !== undefined && aesKey !== undefined) {
    context.events.configureInitially(appKey, { mode: 'http', subscription: appSubscription(appKey, { url, token, aesKey }) });
  } else if (options.eventMode === 'stream') {
    context.events.configureInitially(appKey, { mode: 'stream', eventTypes: undefined });
  }
  registerAdminOpsRoutes(app, context);
  registerEventControlRoutes(app, context);
  registerStreamGateway(app, context, tickets);
  app.addHook('preClose', (done) => {
    context.events.close();
    http.close();
    stream.close();
    timers.close();
    done();
  });
  return settings;
}
