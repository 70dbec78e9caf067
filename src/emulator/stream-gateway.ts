/**
 * Stream mode, step 1 (§9.1): `POST /v1.0/gateway/connections/open` with `{clientId, clientSecret, subscriptions?,
 * ua?, localIp?}` (JSON) → `{endpoint, ticket}`. The endpoint is this emulator's `ws://<host>/connect` (the host the
 * client used); the ticket is single-use and valid 90 s on the emulator's clock, checked when the WebSocket upgrades.
 *
 * Errors follow the app-token endpoint's (the gateway's own are undocumented): no JSON body → 400 `Missingbody`,
 * a missing field → 400 `MissingclientId` / `MissingclientSecret`, wrong credentials → 400 `invalidClientIdOrSecret`.
 *
 * @example
 * const tickets = new TicketBook(clock, 90_000);
 * registerStreamGateway(app, context, tickets);
 * tickets.redeem(ticket); // { appKey, subscriptions } once, then undefined
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../core/index.ts';
import { sendApi, sendApiError } from './api-envelope.ts';
import { admitApi } from './api-routes.ts';
import type { EmulatorContext } from './emulator-context.ts';
import { bodyOf, isRecord } from './request-body.ts';

export const GATEWAY_API = 'v1.0/gateway/connections/open';
export const CONNECT_PATH = '/connect';

/** At most this many unredeemed tickets are kept (expired ones are swept first). */
const TICKET_LIMIT = 10_000;

const subscriptionSchema = z.object({ type: z.string().max(32), topic: z.string().max(256) });
const openSchema = z.object({
  clientId: z.string().min(1).max(128),
  clientSecret: z.string().min(1).max(256),
  subscriptions: z.array(subscriptionSchema).max(100).optional(),
  ua: z.string().max(512).optional(),
  localIp: z.string().max(512).optional(),
});

export interface TicketGrant {
  appKey: string;
  subscriptions: { type: string; topic: string }[];
  expiresAt: number;
}

export class TicketBook {
  readonly #tickets = new Map<string, TicketGrant>();
  readonly #clock: Clock;
  readonly #ttlMs: number;

  constructor(clock: Clock, ttlMs: number) {
    this.#clock = clock;
    this.#ttlMs = ttlMs;
  }

  issue(appKey: string, subscriptions: { type: string; topic: string }[]): string {
    const now = this.#clock.now();
    if (this.#tickets.size >= TICKET_LIMIT) {
      for (const [ticket, grant] of this.#tickets) if (grant.expiresAt <= now) this.#tickets.delete(ticket);
      // Still full: the oldest goes (a Map iterates in insertion order).
      if (this.#tickets.size >= TICKET_LIMIT) this.#tickets.delete(this.#tickets.keys().next().value as string);
    }
    const ticket = randomUUID();
    this.#tickets.set(ticket, { appKey, subscriptions, expiresAt: now + this.#ttlMs });
    return ticket;
  }

  /** §9.1: single use — a ticket is spent by the first upgrade that shows it, valid or expired. */
  redeem(ticket: string): TicketGrant | undefined {
    const grant = this.#tickets.get(ticket);
    this.#tickets.delete(ticket);
    return grant && grant.expiresAt > this.#clock.now() ? grant : undefined;
  }
}

export function registerStreamGateway(app: FastifyInstance, context: EmulatorContext, tickets: TicketBook): void {
  app.post(`/${GATEWAY_API}`, async (request, reply) => {
    const body = bodyOf(request);
    const value = body.kind === 'json' && isRecord(body.value) ? body.value : undefined;
    const clientId = typeof value?.clientId === 'string' ? value.clientId : undefined;
    const known = clientId === undefined ? undefined : context.apps.get(clientId);
    if (!(await admitApi(context, reply, GATEWAY_API, known))) return reply;
    if (!value) return sendApiError(reply, 400, 'Missingbody', 'body is mandatory for this action.');
    for (const field of ['clientId', 'clientSecret'] as const) {
      if (value[field] === undefined || value[field] === '') return sendApiError(reply, 400, `Missing${field}`, `${field} is mandatory for this action.`);
    }
    const parsed = openSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return sendApiError(reply, 400, 'invalidParameter', `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
    }
    if (!known || known.appSecret !== parsed.data.clientSecret) {
      return sendApiError(reply, 400, 'invalidClientIdOrSecret', '无效的clientId或者clientSecret');
    }
    const ticket = tickets.issue(known.appKey, parsed.data.subscriptions ?? [{ type: 'EVENT', topic: '*' }]);
    return sendApi(reply, 200, { endpoint: `ws://${hostOf(request)}${CONNECT_PATH}`, ticket });
  });
}

/** The host the client reached us by, when it looks like a host; else the server's own address. */
function hostOf(request: FastifyRequest): string {
  const host = request.headers.host;
  if (typeof host === 'string' && /^[A-Za-z0-9.\-:[\]]{1,300}$/.test(host)) return host;
  const address = request.server.server.address();
  if (address && typeof address === 'object') return `${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  return '127.0.0.1';
}
