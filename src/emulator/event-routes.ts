/**
 * Everything about events on one emulator, registered on its Fastify server in one call: the console operations
 * and event control routes, and the senders (HTTP push) that listen to the organization's changes. The legacy
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

export function registerEventRoutes(app: FastifyInstance, context: EmulatorContext, options: EventOptions): EventSettings {
  const settings = eventSettingsOf(options);
  const timers = new EventTimers(settings.pushDelayScale);
  const http = new HttpPusher({ clock: context.clock, timers, settings, failed: context.events.failed });
  context.events.attach({ http });
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
  app.addHook('preClose', (done) => {
    context.events.close();
    http.close();
    timers.close();
    done();
  });
  return settings;
}
