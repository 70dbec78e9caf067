/**
 * Control routes for events (README.md beside this file, "Events"): what was emitted and what became of each
 * delivery, and each app's event mode (none, HTTP push with check_url, Stream).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError } from '../core/index.ts';
import { parseBody } from './control-routes.ts';
import type { EmulatorContext } from './emulator-context.ts';
import type { DeliveryStatus } from './event-log.ts';
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

export function registerEventControlRoutes(app: FastifyInstance, context: EmulatorContext): void {
  app.get('/_emulator/events', (request) => {
    const query = eventQuerySchema.safeParse(isRecord(request.query) ? request.query : {});
    if (!query.success) {
      const summary = query.error.issues.map((issue) => `${issue.path.join('.') || '(query)'}: ${issue.message}`).join('; ');
      throw new AppError('emulator.invalid_query', `Invalid query: ${summary}`, { status: 400 });
    }
    return context.events.log.query(query.data);
  });

  app.delete('/_emulator/events', (request) => {
    parseBody(request, z.object({}).strict());
    context.events.log.clear();
    return context.events.log.query();
  });
}
