/**
 * A DingTalk Stream mode client for one app (§9), written over `ws` because the official `dingtalk-stream` client
 * cannot ACK after asynchronous work: its listener's return value is the ACK and is used synchronously (§9.3), so
 * it would have to say SUCCESS before the event is stored. This one ACKs SUCCESS only once `onEvent` resolved.
 *
 * - Connect (§9.1): `POST {gateway}/v1.0/gateway/connections/open` with `{clientId, clientSecret, subscriptions:
 *   [{type: "EVENT", topic: "*"}]}` and `Accept: application/json` → `{endpoint, ticket}`; then a WebSocket to
 *   `endpoint?ticket=`. A ticket is single-use and valid 90 s, so every attempt asks for a fresh one.
 * - Frames (§9.2): SYSTEM `ping` is echoed (§9.3); SYSTEM `disconnect` opens a new connection at once while the
 *   old one drains (DingTalk closes it about 10 s later and sends it nothing new); EVENT frames are parsed with zod,
 *   handed to `onEvent`, and ACKed SUCCESS after it resolved, LATER when it failed, timed out or the frame was
 *   unreadable (DingTalk pushes LATER again; a frame without even a messageId cannot be answered and is only logged).
 * - A connection that ends otherwise (error, close, silence) is replaced after an exponential backoff with full
 *   jitter (1 s doubling, capped at 60 s), reset once a connection opened.
 * - Every step has a timeout: gateway request, WebSocket handshake, `onEvent`, close; a socket that hears nothing
 *   (no frame, no pong) for two keep-alive periods is dropped.
 *
 * @example
 * const connection = createStreamConnection({
 *   clientId: appKey, clientSecret: appSecret, gatewayBase: 'https://api.dingtalk.com', logger,
 *   onEvent: async (event) => { await inbox.store(bindingId, [toInboxEvent(event)]); },
 * });
 * connection.start();
 * await connection.close();
 */
import type { Logger } from 'pino';
import { WebSocket, type RawData } from 'ws';
import { z } from 'zod';
import { AppError, systemClock, type Clock } from '../core/index.ts';
import type { JsonValue } from '../db/index.ts';

/** §9.1: the path of the ticket request on the `api` host. */
export const STREAM_GATEWAY_PATH = '/v1.0/gateway/connections/open';
/** The public gateway host (§9.1); a binding's `apiBase.api` replaces it (the emulator). */
export const DEFAULT_STREAM_GATEWAY = 'https://api.dingtalk.com';

/** One address-book event as it came over Stream (§8.3 envelope in the headers, §9.2). */
export interface StreamEvent {
  /** Per push; a re-push of the same event has a new one. */
  messageId: string;
  /** Per event; the same on every re-push and for every receiver (§8.2: de-duplicate by it). */
  eventId: string;
  eventType: string;
  /** `eventCorpId`; null when the frame did not say. */
  corpId: string | null;
  /** `eventBornTime` in ms; null when absent or not a number. */
  bornAt: number | null;
  /** The frame's `data`, parsed (e.g. `{timeStamp, userId: [...]}`). */
  data: JsonValue;
}

export type StreamConnectionState = 'idle' | 'connecting' | 'open' | 'backoff' | 'closed';

export interface StreamConnectionStatus {
  state: StreamConnectionState;
  /** When the current connection opened (ms), null when none is open. */
  connectedAt: number | null;
  /** When the last EVENT was ACKed SUCCESS (ms). */
  lastEventAt: number | null;
  /** Connections opened after the first one (each disconnect or failure that was followed by a new connection). */
  reconnects: number;
  /** Why the last attempt or connection failed, for `status()` (never a secret). */
  lastError: string | null;
}

export interface StreamConnectionOptions {
  clientId: string;
  clientSecret: string;
  /** Base of the `api` host, e.g. `https://api.dingtalk.com` or the emulator's URL. */
  gatewayBase: string;
  /** Stores the event; SUCCESS is ACKed only after it resolved, LATER when it rejects. */
  onEvent: (event: StreamEvent) => Promise<void>;
  logger: Logger;
  /** Told about every state change and every opened connection (metrics, status). */
  onStatus?: (status: StreamConnectionStatus) => void;
  clock?: Clock;
  fetch?: typeof fetch;
  /** [0, 1) source for the jitter. */
  random?: () => number;
  timeouts?: Partial<StreamTimeouts>;
  backoff?: { initialMs?: number; maxMs?: number };
}

export interface StreamTimeouts {
  /** The gateway's ticket request. */
  gatewayMs: number;
  /** The WebSocket upgrade. */
  handshakeMs: number;
  /** `onEvent`; a slower store is ACKed LATER (the event comes again, and the inbox drops the duplicate). */
  eventMs: number;
  /** A WebSocket ping every this often; two periods without a frame or pong drop the connection. */
  keepAliveMs: number;
  /** After `disconnect`, the old connection is closed by us if DingTalk has not after this long (§9.3: ~10 s). */
  drainMs: number;
  /** `close()` waits this long for a clean close before it terminates the socket. */
  closeMs: number;
}

export interface StreamConnection {
  /** Starts connecting (and reconnecting) in the background. Idempotent. */
  start(): void;
  /** Stops reconnecting and closes every socket; resolves once they are closed. In-flight events are not ACKed. */
  close(): Promise<void>;
  status(): StreamConnectionStatus;
}

const DEFAULT_TIMEOUTS: StreamTimeouts = {
  gatewayMs: 10_000,
  handshakeMs: 10_000,
  eventMs: 30_000,
  keepAliveMs: 20_000,
  drainMs: 15_000,
  closeMs: 5_000,
};

/** Frames above this size are refused by the socket (an address-book event is well under a kilobyte). */
const MAX_FRAME = 1024 * 1024;

const gatewayReplySchema = z.object({ endpoint: z.string().regex(/^wss?:\/\//, 'expected a ws:// or wss:// URL'), ticket: z.string().min(1) });

/** §9.2: `{specVersion, type, headers, data}`; header values are strings (times as ms strings). */
const frameSchema = z.object({
  specVersion: z.string().optional(),
  type: z.string(),
  headers: z.looseObject({ messageId: z.string().min(1), topic: z.string().optional() }),
  data: z.string().optional(),
});

const eventHeadersSchema = z.looseObject({
  messageId: z.string().min(1),
  eventId: z.string().min(1),
  eventType: z.string().min(1),
  eventCorpId: z.string().min(1).optional(),
  eventBornTime: z.union([z.string(), z.number()]).optional(),
});

type Frame = z.infer<typeof frameSchema>;

/**
 * Creates the Stream client of one app. Nothing happens until {@link StreamConnection.start}.
 *
 * @example
 * const connection = createStreamConnection({ clientId, clientSecret, gatewayBase: emulator.url, logger, onEvent });
 * connection.start();
 */
export function createStreamConnection(options: StreamConnectionOptions): StreamConnection {
  const clock = options.clock ?? systemClock;
  const doFetch = options.fetch ?? fetch;
  const random = options.random ?? Math.random;
  const timeouts: StreamTimeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const initialBackoff = options.backoff?.initialMs ?? 1_000;
  const maxBackoff = options.backoff?.maxMs ?? 60_000;
  const logger = options.logger;
  const stopping = new AbortController();

  const status: StreamConnectionStatus = { state: 'idle', connectedAt: null, lastEventAt: null, reconnects: 0, lastError: null };
  const sockets = new Set<WebSocket>();
  let opened = 0;
  let loop: Promise<void> | undefined;
  /** Resolved when the current connection ended (`reconnect: false` after a disconnect, which needs no backoff). */
  let wake: ((how: { backoff: boolean }) => void) | undefined;

  const setState = (state: StreamConnectionState, extra: Partial<StreamConnectionStatus> = {}): void => {
    Object.assign(status, { state }, extra);
    options.onStatus?.({ ...status });
  };

  async function openTicket(): Promise<string> {
    const url = `${options.gatewayBase.replace(/\/+$/, '')}${STREAM_GATEWAY_PATH}`;
    let response: Response;
    try {
      response = await doFetch(url, {
        method: 'POST',
        // §9.1: without Accept the gateway answers XML.
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ clientId: options.clientId, clientSecret: options.clientSecret, subscriptions: [{ type: 'EVENT', topic: '*' }], ua: 'dingbridge' }),
        signal: AbortSignal.any([stopping.signal, AbortSignal.timeout(timeouts.gatewayMs)]),
      });
    } catch (error) {
      throw new AppError('stream.gateway_unreachable', `The Stream gateway ${url} did not answer: ${describe(error)}.`, { status: 502, cause: error });
    }
    const text = await response.text();
    if (!response.ok) {
      // The gateway's errors are api.dingtalk.com's `{code, message}` (the emulator: invalidClientIdOrSecret).
      const code = /"code"\s*:\s*"([^"]{1,100})"/.exec(text)?.[1];
      const credentials = code === 'invalidClientIdOrSecret';
      throw new AppError(
        credentials ? 'stream.credentials_refused' : 'stream.gateway_refused',
        credentials
          ? 'The Stream gateway refused the AppKey/AppSecret; fix them with `dingbridge bindings update`.'
          : `The Stream gateway answered HTTP ${response.status}${code ? ` ${code}` : ''}.`,
        { status: 502, details: { httpStatus: response.status, ...(code ? { dingtalkCode: code } : {}) } },
      );
    }
    let reply: z.infer<typeof gatewayReplySchema>;
    try {
      reply = gatewayReplySchema.parse(JSON.parse(text));
    } catch (error) {
      throw new AppError('stream.bad_response', 'The Stream gateway answered without a usable {endpoint, ticket}.', { status: 502, cause: error });
    }
    const endpoint = new URL(reply.endpoint);
    endpoint.searchParams.set('ticket', reply.ticket);
    return endpoint.toString();
  }

  /**
   * Opens one socket and resolves once it is open; rejects when the upgrade fails or times out. Frames that arrive
   * before {@link serve} takes over are kept: the server may send held events in the same packet as the upgrade
   * answer, which ws emits right after 'open', before any awaiting code runs.
   */
  function connect(url: string): Promise<{ ws: WebSocket; early: RawData[] }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { handshakeTimeout: timeouts.handshakeMs, maxPayload: MAX_FRAME });
      sockets.add(ws);
      // ws emits 'error' for a socket terminated while connecting; with no listener that would crash the process.
      ws.on('error', () => undefined);
      const early: RawData[] = [];
      ws.on('message', (raw) => early.push(raw));
      const fail = (error: unknown): void => {
        cleanup();
        sockets.delete(ws);
        ws.terminate();
        reject(new AppError('stream.connect_failed', `The Stream WebSocket did not open: ${describe(error)}.`, { status: 502, cause: error }));
      };
      const onAbort = (): void => fail(new Error('closing'));
      const onUnexpected = (_request: unknown, response: { statusCode?: number }): void => fail(new Error(`HTTP ${response.statusCode ?? '?'} on upgrade`));
      const onClose = (): void => fail(new Error('closed during the handshake'));
      const cleanup = (): void => {
        ws.off('error', fail);
        ws.off('unexpected-response', onUnexpected);
        ws.off('close', onClose);
        stopping.signal.removeEventListener('abort', onAbort);
      };
      ws.once('error', fail);
      ws.once('unexpected-response', onUnexpected);
      ws.once('close', onClose);
      stopping.signal.addEventListener('abort', onAbort, { once: true });
      ws.once('open', () => {
        cleanup();
        resolve({ ws, early });
      });
    });
  }

  /** Serves one open socket until it ends or DingTalk asks us to move; tells the loop through `wake`. */
  function serve(ws: WebSocket, early: RawData[]): void {
    let lastHeard = clock.now();
    let draining = false;
    let ended = false;
    const end = (how: { backoff: boolean }, reason: string): void => {
      if (ended) return;
      ended = true;
      if (!draining && !stopping.signal.aborted) {
        logger.warn({ reason }, 'stream: connection lost');
        setState('connecting', { connectedAt: null, lastError: reason });
      }
      wake?.(how);
    };
    const keepAlive = setInterval(() => {
      if (clock.now() - lastHeard > 2 * timeouts.keepAliveMs) {
        ws.terminate();
        return;
      }
      if (ws.readyState === WebSocket.OPEN) ws.ping();
    }, timeouts.keepAliveMs);
    keepAlive.unref();
    let drainTimer: NodeJS.Timeout | undefined;

    ws.on('pong', () => {
      lastHeard = clock.now();
    });
    const onMessage = (raw: RawData): void => {
      lastHeard = clock.now();
      const frame = readFrame(raw);
      if (!frame) return;
      if (frame.type === 'SYSTEM') {
        if (frame.headers.topic === 'ping') {
          // §9.3: the reply echoes the ping's headers and data.
          send(ws, { code: 200, headers: frame.headers, message: 'OK', data: frame.data ?? '' });
        } else if (frame.headers.topic === 'disconnect' && !draining) {
          // §9.3: the server closes this socket in ~10 s and sends it nothing new; connect again now, and let the
          // events still in flight here finish and ACK on the old socket meanwhile.
          draining = true;
          logger.info({ data: frame.data }, 'stream: the server asked us to reconnect');
          drainTimer = setTimeout(() => close(ws, timeouts.closeMs), timeouts.drainMs);
          drainTimer.unref();
          end({ backoff: false }, 'disconnect');
        }
        // CONNECTED, REGISTERED, KEEPALIVE (§9.3, unconfirmed) need no answer.
        return;
      }
      if (frame.type === 'EVENT') {
        void handleEvent(ws, frame);
        return;
      }
      // CALLBACK and anything newer: we subscribed to EVENT only; 404 = topic not supported (§9.3).
      send(ws, { code: 404, headers: { messageId: frame.headers.messageId, contentType: 'application/json' }, message: 'not supported', data: '{"response":null}' });
    };
    ws.removeAllListeners('message');
    ws.on('message', onMessage);
    for (const raw of early.splice(0)) onMessage(raw);
    ws.on('error', (error) => {
      logger.warn({ err: describe(error) }, 'stream: socket error');
    });
    ws.on('close', (code, reason) => {
      clearInterval(keepAlive);
      clearTimeout(drainTimer);
      sockets.delete(ws);
      end({ backoff: true }, `closed (${code}${reason.length > 0 ? ` ${reason.toString('utf8')}` : ''})`);
    });
  }

  function readFrame(raw: RawData): Frame | undefined {
    let text: string;
    if (Buffer.isBuffer(raw)) text = raw.toString('utf8');
    else if (Array.isArray(raw)) text = Buffer.concat(raw).toString('utf8');
    else text = Buffer.from(raw).toString('utf8');
    try {
      return frameSchema.parse(JSON.parse(text));
    } catch (error) {
      // Without a messageId there is nothing to answer; DingTalk pushes an un-ACKed event again (§9.3).
      logger.warn({ err: describe(error), frame: text.slice(0, 200) }, 'stream: unreadable frame ignored');
      return undefined;
    }
  }

  async function handleEvent(ws: WebSocket, frame: Frame): Promise<void> {
    const messageId = frame.headers.messageId;
    const ack = (status: 'SUCCESS' | 'LATER', message: string): void =>
      send(ws, { code: 200, headers: { messageId, contentType: 'application/json' }, message: 'OK', data: JSON.stringify({ status, message }) });
    let event: StreamEvent;
    try {
      event = parseEvent(frame);
    } catch (error) {
      logger.warn({ messageId, err: describe(error) }, 'stream: unreadable EVENT answered LATER');
      ack('LATER', 'unreadable event');
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        options.onEvent(event),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`not stored within ${timeouts.eventMs} ms`)), timeouts.eventMs);
        }),
      ]);
    } catch (error) {
      logger.warn({ eventId: event.eventId, eventType: event.eventType, err: describe(error) }, 'stream: event not stored, answered LATER');
      ack('LATER', 'not stored');
      return;
    } finally {
      clearTimeout(timer);
    }
    // If the socket closed meanwhile the ACK is lost: DingTalk pushes the event again and the inbox drops it.
    ack('SUCCESS', 'stored');
    status.lastEventAt = clock.now();
    options.onStatus?.({ ...status });
  }

  function send(ws: WebSocket, message: unknown): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(JSON.stringify(message), (error) => {
      if (error) logger.warn({ err: describe(error) }, 'stream: a reply was not sent');
    });
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (!stopping.signal.aborted) {
      setState('connecting');
      let socket: { ws: WebSocket; early: RawData[] };
      try {
        socket = await connect(await openTicket());
      } catch (error) {
        if (stopping.signal.aborted) break;
        failures++;
        const delay = backoffDelay(failures, initialBackoff, maxBackoff, random);
        const reason = describe(error);
        logger.warn({ err: reason, code: error instanceof AppError ? error.code : undefined, retryInMs: delay }, 'stream: connection failed');
        setState('backoff', { lastError: reason });
        await clock.sleep(delay, stopping.signal).catch(() => undefined);
        continue;
      }
      if (opened > 0) status.reconnects++;
      opened++;
      failures = 0;
      const ended = new Promise<{ backoff: boolean }>((resolve) => {
        wake = resolve;
      });
      setState('open', { connectedAt: clock.now() });
      logger.info({ reconnects: status.reconnects }, 'stream: connected');
      serve(socket.ws, socket.early);
      const how = await ended;
      wake = undefined;
      if (how.backoff && !stopping.signal.aborted) {
        // A connection that ended by itself: wait a little before the next, so a flapping server is not hammered.
        const delay = backoffDelay(1, initialBackoff, maxBackoff, random);
        setState('backoff');
        await clock.sleep(delay, stopping.signal).catch(() => undefined);
      }
    }
  }

  return {
    start() {
      if (loop || stopping.signal.aborted) return;
      loop = run().catch((error: unknown) => {
        logger.error({ err: describe(error) }, 'stream: the connection loop stopped');
      });
    },
    async close() {
      if (!stopping.signal.aborted) stopping.abort(new AppError('stream.closed', 'The Stream connection was closed.', { status: 503 }));
      wake?.({ backoff: false });
      await Promise.all([...sockets].map((ws) => close(ws, timeouts.closeMs)));
      await loop;
      setState('closed', { connectedAt: null });
    },
    status: () => ({ ...status }),
  };
}

/**
 * Exponential backoff with full jitter (STYLE.md 9): attempt 1 waits up to `initialMs`, each next up to twice that,
 * capped at `maxMs`; never less than a tenth of the step, so replicas that failed together spread out but none spins.
 *
 * @example
 * backoffDelay(3, 1000, 60_000, Math.random); // between 400 and 4000 ms
 */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random: () => number): number {
  const step = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 10 + random() * step * 0.9);
}

/** §9.2 EVENT headers and the JSON in `data` → {@link StreamEvent}; throws (zod or JSON) when unreadable. */
function parseEvent(frame: Frame): StreamEvent {
  const headers = eventHeadersSchema.parse(frame.headers);
  const data = z.json().parse(JSON.parse(frame.data ?? ''));
  const born = Number(headers.eventBornTime);
  return {
    messageId: headers.messageId,
    eventId: headers.eventId,
    eventType: headers.eventType,
    corpId: headers.eventCorpId ?? null,
    bornAt: headers.eventBornTime !== undefined && headers.eventBornTime !== '' && Number.isFinite(born) ? born : null,
    data,
  };
}

/** Closes a socket cleanly, terminating it if the close handshake takes longer than `ms`; resolves once closed. */
function close(ws: WebSocket, ms: number): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => ws.terminate(), ms);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    else ws.close(1000, 'closing');
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
