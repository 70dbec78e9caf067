/**
 * Everything about events on one emulator, registered on its Fastify server in one call: the console operations
 * and event control routes, and the senders that listen to the organization's changes. Closing the server stops
 * every push, timer and connection (a `preClose` hook, before Fastify waits for open sockets).
 */
import type { FastifyInstance } from 'fastify';
import { registerAdminOpsRoutes } from './admin-ops-routes.ts';
import type { EmulatorContext } from './emulator-context.ts';
import { registerEventControlRoutes } from './event-control-routes.ts';
import { eventSettingsOf, type EventOptions, type EventSettings } from './event-settings.ts';
import { EventTimers } from './event-timers.ts';

export function registerEventRoutes(app: FastifyInstance, context: EmulatorContext, options: EventOptions): EventSettings {
  const settings = eventSettingsOf(options);
  const timers = new EventTimers(settings.pushDelayScale);
  registerAdminOpsRoutes(app, context);
  registerEventControlRoutes(app, context);
  app.addHook('preClose', (done) => {
    context.events.close();
    timers.close();
    done();
  });
  return settings;
}
