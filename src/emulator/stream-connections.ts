/**
 * Stream mode, step 2 (§9.2, §9.3): the WebSocket at `ws://host:port/connect?ticket=…` and everything said on it.
 *
 * - Upgrade: the path must be `/connect` (404) and the ticket one from the gateway, unspent and younger than 90 s
 *   (401); no frame is sent on connect (DingTalk's `CONNECTED`/`REGISTERED` frames are UNCONFIRMED, §13.10).
 * - EVENT frames: `{specVersion: "1.0", type: "EVENT", headers: {topic: "*", messageId, contentType, time, appId,
 *   connectionId, eventType, eventId, eventCorpId, eventBornTime, eventUnifiedAppId}, data: "<JSON>"}`, times as
 *   millisecond strings, `data` = `{timeStamp, userId|deptId, diffInfo?}` (§8.3). `topic` is `*` (one of the two
 *   documented values, UNCONFIRMED); `appId` and `eventUnifiedAppId` are the app's unified id, a UUID derived from its
 *   AppKey (which value DingTalk puts in `appId` is UNCONFIRMED). Only connections whose ticket subscribed to type
 *   `EVENT` get events; with several, each message goes to one picked at random (seeded) (§9.3).
 * - ACKs `{code, headers: {messageId}, message, data: "{\"status\":…}"}`: code 200 with `SUCCESS` settles the event;
 *   `LATER` — and anything else (another code, no status, unparsable data) — is pushed again after 10 s; no ACK
 *   within 60 s is pushed again at once (§9.3; both scaled). A new push has a new messageId and the same eventId.
 *   After {@link EventSettings.streamMaxAttempts} pushes without SUCCESS the event is dropped.
 * - No live connection: events wait for one (up to an hour and 10,000 per app, scaled), then are dropped. A
 *   connection that closes with events un-ACKed has them pushed again on another (or held).
 * - SYSTEM `ping` every 30 s with `{opaque}`; a connection that has not echoed the previous ping is closed. SYSTEM
 *   `disconnect` `{"reason":"connection is expired"}` every hour per connection, then the socket is closed 10 s later
 *   (both scaled); a draining connection gets no new messages. Frames the emulator cannot read are ignored.
 *
 * @example
 * const hub = new StreamHub({ clock, timers, settings, tickets, random });
 * server.on('upgrade', (request, socket, head) => hub.handleUpgrade(request, socket, head));
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { z } from 'zod';
import type { Clock } from '../core/index.ts';
import type { StreamSink } from './event-hub.ts';
import { settleDelivery, type Delivery, type DeliveryStatus } from './event-log.ts';
import { streamData, type AddressBookEvent } from './event-payload.ts';
import type { EventSettings } from './event-settings.ts';
import type { EventTimers } from './event-timers.ts';
import type { Random } from './seeded-random.ts';
import { CONNECT_PATH, type TicketBook } from './stream-gateway.ts';

/** Frames larger than this close the connection (ws `maxPayload`); ACKs are a few hundred bytes. */
const MAX_FRAME = 1024 * 1024;

interface Connection {
  id: string;
  appKey: string;
  ws: WebSocket;
  /** The ticket subscribed to EVENT frames (§9.1 subscriptions). */
  events: boolean;
  /** Sent `disconnect`; closes soon and gets no new messages. */
  draining: boolean;
  ping: { messageId: string; opaque: string; answered: boolean } | undefined;
  stopTimers: (() => void)[];
}

interface Job {
  appKey: string;
  event: AddressBookEvent;
  delivery: Delivery;
  messageId: string | undefined;
  connection: Connection | undefined;
  /** The one timer the job waits on: the ACK deadline, the LATER delay, or the hold limit. */
  cancelTimer: (() => void) | undefined;
  done: boolean;
}

const ackSchema = z.object({
  code: z.number().optional(),
  headers: z.object({ messageId: z.string() }),
  message: z.string().optional(),
  data: z.string().optional(),
});

const ackDataSchema = z.object({ status: z.string().optional(), message: z.string().optional(), opaque: z.string().optional() });

/** A UUID-shaped unified app id, stable per AppKey (§8.3 `eventUnifiedAppId`). */
export function unifiedAppIdOf(appKey: string): string {
  const hex = createHash('sha256').update(`unified:${appKey}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export class StreamHub implements StreamSink {
  readonly #clock: Clock;
  readonly #timers: EventTimers;
  readonly #settings: EventSettings;
  readonly #tickets: TicketBook;
  readonly #random: Random;
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME });
  readonly #connections = new Map<string, Connection[]>();
  readonly #held = new Map<string, Job[]>();
  readonly #inFlight = new Map<string, Job>();
  /** Every job not yet settled: sent, held, or waiting to be pushed again. */
  readonly #jobs = new Set<Job>();
  #closed = false;

  constructor(deps: { clock: Clock; timers: EventTimers; settings: EventSettings; tickets: TicketBook; random: Random }) {
    this.#clock = deps.clock;
    this.#timers = deps.timers;
    this.#settings = deps.settings;
    this.#tickets = deps.tickets;
    this.#random = deps.random;
  }

  /** The HTTP server's `upgrade` listener: `/connect` with a valid ticket becomes a Stream connection (§9.1). */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://emulator');
    } catch {
      return refuse(socket, 400, 'Bad Request');
    }
    if (url.pathname !== CONNECT_PATH) return refuse(socket, 404, 'Not Found');
    if (this.#closed) return refuse(socket, 503, 'Service Unavailable');
    const grant = this.#tickets.redeem(url.searchParams.get('ticket') ?? '');
    if (!grant) return refuse(socket, 401, 'Unauthorized');
    this.#wss.handleUpgrade(request, socket, head, (ws) => this.#accept(ws, grant.appKey, grant.subscriptions.some((s) => s.type === 'EVENT')));
  }

  deliver(appKey: string, event: AddressBookEvent, delivery: Delivery): void {
    if (this.#closed) return;
    const job: Job = { appKey, event, delivery, messageId: undefined, connection: undefined, cancelTimer: undefined, done: false };
    this.#jobs.add(job);
    this.#send(job);
  }

  /** Live connections of an app (control API). */
  connectionCount(appKey: string): number {
    return this.#connections.get(appKey)?.length ?? 0;
  }

  /** Sends `disconnect` to every connection of the app now, as DingTalk's load balancing does (§9.3). */
  disconnectAll(appKey: string): number {
    const connections = [...(this.#connections.get(appKey) ?? [])].filter((c) => !c.draining);
    for (const connection of connections) this.#disconnect(connection);
    return connections.length;
  }

  /** Drops every event of the app (or of all) still waiting, un-ACKed or due again (reset, mode change); connections stay. */
  cancel(appKey?: string): void {
    for (const job of [...this.#jobs]) {
      if (appKey === undefined || job.appKey === appKey) this.#finish(job, 'dropped', 'the event mode changed or the emulator was reset');
    }
  }

  /** Closes every connection and stops every timer. */
  close(): void {
    this.#closed = true;
    this.cancel();
    for (const connections of this.#connections.values()) {
      for (const connection of connections) {
        for (const stop of connection.stopTimers) stop();
        connection.ws.terminate();
      }
    }
    this.#connections.clear();
    this.#wss.close();
  }

  #accept(ws: WebSocket, appKey: string, events: boolean): void {
    if (this.#closed) {
      ws.terminate();
      return;
    }
    const connection: Connection = { id: randomUUID(), appKey, ws, events, draining: false, ping: undefined, stopTimers: [] };
    this.#connections.set(appKey, [...(this.#connections.get(appKey) ?? []), connection]);
    ws.on('message', (data) => this.#onFrame(connection, data));
    ws.on('close', () => this.#onClose(connection));
    ws.on('error', () => ws.terminate());
    if (this.#settings.streamPingIntervalMs > 0) {
      connection.stopTimers.push(this.#timers.every(this.#settings.streamPingIntervalMs, () => this.#ping(connection)));
    }
    if (this.#settings.streamDisconnectIntervalMs > 0) {
      connection.stopTimers.push(this.#timers.after(this.#settings.streamDisconnectIntervalMs, () => this.#disconnect(connection)));
    }
    // Events that waited for a connection go now.
    const held = this.#held.get(appKey) ?? [];
    this.#held.delete(appKey);
    for (const job of held) {
      job.cancelTimer?.();
      this.#send(job);
    }
  }

  #send(job: Job): void {
    if (this.#closed || job.done) return;
    if (job.delivery.attempts >= this.#settings.streamMaxAttempts) {
      this.#finish(job, 'dropped', `not acknowledged with SUCCESS after ${job.delivery.attempts} pushes`);
      return;
    }
    const live = (this.#connections.get(job.appKey) ?? []).filter((c) => c.events && !c.draining && c.ws.readyState === WebSocket.OPEN);
    if (live.length === 0) {
      this.#hold(job);
      return;
    }
    const connection = this.#random.pick(live);
    const messageId = randomUUID();
    const now = this.#clock.now();
    const unifiedAppId = unifiedAppIdOf(job.appKey);
    const frame = {
      specVersion: '1.0',
      type: 'EVENT',
      headers: {
        topic: '*',
        messageId,
        contentType: 'application/json',
        time: String(now),
        appId: unifiedAppId,
        connectionId: connection.id,
        eventType: job.event.type,
        eventId: job.event.eventId,
        eventCorpId: job.event.corpId,
        eventBornTime: String(job.event.bornAt),
        eventUnifiedAppId: unifiedAppId,
      },
      data: JSON.stringify(streamData(job.event)),
    };
    connection.ws.send(JSON.stringify(frame));
    job.delivery.attempts++;
    job.messageId = messageId;
    job.connection = connection;
    this.#inFlight.set(messageId, job);
    settleDelivery(job.delivery, 'sent', undefined, now);
    // §9.3: without an ACK DingTalk times out and pushes again (about 60 s).
    job.cancelTimer = this.#timers.after(this.#settings.streamAckTimeoutMs, () => {
      this.#inFlight.delete(messageId);
      settleDelivery(job.delivery, 'retrying', `no ACK within ${this.#settings.streamAckTimeoutMs} ms (scaled ×${this.#timers.scale})`, this.#clock.now());
      this.#send(job);
    });
  }

  #hold(job: Job): void {
    const held = this.#held.get(job.appKey) ?? [];
    held.push(job);
    this.#held.set(job.appKey, held);
    if (held.length > this.#settings.streamHoldLimit) {
      const oldest = held.shift() as Job;
      this.#finish(oldest, 'dropped', `more than ${this.#settings.streamHoldLimit} events waited for a Stream connection`);
    }
    settleDelivery(job.delivery, 'pending', 'no Stream connection', this.#clock.now());
    job.cancelTimer = this.#timers.after(this.#settings.streamHoldMs, () => this.#finish(job, 'dropped', 'no Stream connection came in time'));
  }

  #onFrame(connection: Connection, raw: RawData): void {
    let text: string;
    if (Buffer.isBuffer(raw)) text = raw.toString('utf8');
    else if (Array.isArray(raw)) text = Buffer.concat(raw).toString('utf8');
    else text = Buffer.from(raw).toString('utf8');
    let frame: z.infer<typeof ackSchema>;
    try {
      frame = ackSchema.parse(JSON.parse(text));
    } catch {
      return;
    }
    const data = parseAckData(frame.data);
    const ping = connection.ping;
    if (ping && ping.messageId === frame.headers.messageId) {
      // §9.3: the reply to a ping echoes its data.
      if (data?.opaque === ping.opaque) ping.answered = true;
      return;
    }
    const job = this.#inFlight.get(frame.headers.messageId);
    if (!job || job.connection !== connection) return;
    this.#inFlight.delete(frame.headers.messageId);
    job.cancelTimer?.();
    const now = this.#clock.now();
    if (frame.code === 200 && data?.status === 'SUCCESS') {
      this.#finish(job, 'acked', undefined);
      return;
    }
    // §9.3: LATER means "process failed, deliver again"; an ACK the emulator cannot read counts the same.
    const reason = frame.code !== 200 ? `ACK code ${frame.code ?? 'missing'}` : data?.status === 'LATER' ? 'LATER' : `ACK without SUCCESS or LATER: ${(frame.data ?? '').slice(0, 80)}`;
    settleDelivery(job.delivery, 'later', reason, now);
    job.cancelTimer = this.#timers.after(this.#settings.laterDelayMs, () => this.#send(job));
  }

  #onClose(connection: Connection): void {
    for (const stop of connection.stopTimers) stop();
    const rest = (this.#connections.get(connection.appKey) ?? []).filter((c) => c !== connection);
    if (rest.length > 0) this.#connections.set(connection.appKey, rest);
    else this.#connections.delete(connection.appKey);
    if (this.#closed) return;
    // Un-ACKed messages of this connection go again, on another connection or when one comes.
    for (const [messageId, job] of this.#inFlight) {
      if (job.connection !== connection) continue;
      this.#inFlight.delete(messageId);
      job.cancelTimer?.();
      this.#send(job);
    }
  }

  #ping(connection: Connection): void {
    if (connection.ping && !connection.ping.answered) {
      // The previous ping was never echoed: the client is gone.
      connection.ws.terminate();
      return;
    }
    const messageId = randomUUID();
    const opaque = randomUUID();
    connection.ping = { messageId, opaque, answered: false };
    this.#system(connection, 'ping', messageId, { opaque });
  }

  #disconnect(connection: Connection): void {
    if (connection.draining) return;
    connection.draining = true;
    this.#system(connection, 'disconnect', randomUUID(), { reason: 'connection is expired' });
    // §9.3: the server closes TCP about 10 s later.
    connection.stopTimers.push(this.#timers.after(this.#settings.disconnectGraceMs, () => connection.ws.close(1000, 'connection is expired')));
  }

  #system(connection: Connection, topic: string, messageId: string, data: Record<string, unknown>): void {
    if (connection.ws.readyState !== WebSocket.OPEN) return;
    const headers = { topic, messageId, contentType: 'application/json', time: String(this.#clock.now()), appId: unifiedAppIdOf(connection.appKey), connectionId: connection.id };
    connection.ws.send(JSON.stringify({ specVersion: '1.0', type: 'SYSTEM', headers, data: JSON.stringify(data) }));
  }

  #finish(job: Job, status: DeliveryStatus, error: string | undefined): void {
    job.done = true;
    job.cancelTimer?.();
    this.#jobs.delete(job);
    if (job.messageId !== undefined && this.#inFlight.get(job.messageId) === job) this.#inFlight.delete(job.messageId);
    const held = this.#held.get(job.appKey);
    const at = held ? held.indexOf(job) : -1;
    if (held && at >= 0) held.splice(at, 1);
    settleDelivery(job.delivery, status, error, this.#clock.now());
  }
}

function parseAckData(data: string | undefined): z.infer<typeof ackDataSchema> | undefined {
  if (data === undefined) return undefined;
  try {
    const parsed = ackDataSchema.safeParse(JSON.parse(data));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}


/** Answers a refused upgrade with a plain HTTP status and closes the socket. */
function refuse(socket: Duplex, status: number, text: string): void {
  const body = JSON.stringify({ code: status === 401 ? 'InvalidTicket' : text, message: text });
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, () => socket.destroy());
}
