/**
 * Stream mode for every binding that asks for it (issue 5, §9): one {@link createStreamConnection} per binding in
 * `stream` mode, each event stored in the durable inbox before DingTalk hears SUCCESS. Connections follow the
 * bindings: {@link StreamListener.refresh} after a change here, and a periodic re-read for changes made by another
 * replica. Several replicas may each connect for the same app: DingTalk gives each message to one connection (§9.3),
 * and a re-push that reaches another replica is dropped by the inbox, which de-duplicates by event id.
 *
 * @example
 * const listener = createStreamListener({ bindings, inbox, logger });
 * await listener.start();
 * bindings.onChange((id) => void listener.refresh(id));
 * await listener.stop();
 */
import type { Logger } from 'pino';
import type { BindingEventContext } from '../bindings/index.ts';
import type { EventInbox, InboxEvent } from './inbox-event.ts';
import {
  createStreamConnection,
  DEFAULT_STREAM_GATEWAY,
  type StreamConnection,
  type StreamConnectionOptions,
  type StreamConnectionState,
  type StreamEvent,
} from './stream-connection.ts';

/** What the listener needs of the bindings area. */
export interface StreamBindings {
  eventBindings(): Promise<BindingEventContext[]>;
}

/** Optional counters (Prometheus in the server). */
export interface StreamListenerMetrics {
  /** One per EVENT frame handled: stored, a duplicate the inbox already had, or failed (answered LATER). */
  streamEvent(outcome: 'stored' | 'duplicate' | 'failed'): void;
  /** One per connection opened after a binding's first. */
  streamReconnect(): void;
}

export interface StreamListenerOptions {
  bindings: StreamBindings;
  /** The durable inbox: `store` resolves after the commit, so SUCCESS is ACKed only for stored events. */
  inbox: EventInbox;
  logger: Logger;
  metrics?: StreamListenerMetrics;
  /** Re-read the bindings this often, for changes made by another replica; 0 = only on start/refresh. Default 60 s. */
  pollIntervalMs?: number;
  /** Passed to every connection (tests shorten timeouts and backoff, or pass a fetch). */
  connection?: Partial<Pick<StreamConnectionOptions, 'timeouts' | 'backoff' | 'fetch' | 'clock' | 'random'>>;
}

export interface StreamBindingStatus {
  bindingId: string;
  state: StreamConnectionState;
  connectedAt: number | null;
  lastEventAt: number | null;
  reconnects: number;
  lastError: string | null;
}

export interface StreamListener {
  /** Connects every binding in stream mode. Idempotent. */
  start(): Promise<void>;
  /** Re-reads the bindings and connects, reconnects (credentials or host changed) or disconnects `bindingId`. */
  refresh(bindingId: string): Promise<void>;
  /** Closes every connection; resolves once they are closed. */
  stop(): Promise<void>;
  status(): StreamBindingStatus[];
}

interface Running {
  /** Credentials, host and corp: a change means a new connection. */
  fingerprint: string;
  connection: StreamConnection;
}

/**
 * Creates the listener; nothing connects before {@link StreamListener.start}.
 *
 * @example
 * const listener = createStreamListener({ bindings, inbox, logger: logger.child({ area: 'events' }) });
 * await listener.start();
 * listener.status(); // [{ bindingId, state: 'open', connectedAt, lastEventAt, reconnects: 0, lastError: null }]
 */
export function createStreamListener(options: StreamListenerOptions): StreamListener {
  const { bindings, inbox, logger, metrics } = options;
  const running = new Map<string, Running>();
  const pollIntervalMs = options.pollIntervalMs ?? 60_000;
  let started = false;
  let stopped = false;
  let poll: NodeJS.Timeout | undefined;
  /** Reconciliations run one at a time, so two refreshes never open two connections for one binding. */
  let queue: Promise<void> = Promise.resolve();

  const open = (binding: BindingEventContext): Running => {
    const log = logger.child({ bindingId: binding.bindingId, appKey: binding.appKey });
    let reconnects = 0;
    const connection = createStreamConnection({
      ...options.connection,
      clientId: binding.appKey,
      clientSecret: binding.appSecret,
      gatewayBase: binding.apiBase?.api ?? DEFAULT_STREAM_GATEWAY,
      logger: log,
      onStatus: (status) => {
        if (status.reconnects > reconnects) {
          reconnects = status.reconnects;
          metrics?.streamReconnect();
        }
      },
      onEvent: async (event) => {
        try {
          const result = await inbox.store(binding.bindingId, [toInboxEvent(event, binding, log)]);
          metrics?.streamEvent(result.stored > 0 ? 'stored' : 'duplicate');
        } catch (error) {
          metrics?.streamEvent('failed');
          throw error;
        }
      },
    });
    connection.start();
    log.info('stream: listening');
    return { fingerprint: fingerprintOf(binding), connection };
  };

  const reconcile = (only?: string): Promise<void> => {
    const next = queue.then(async () => {
      if (stopped) return;
      const wanted = new Map((await bindings.eventBindings()).filter((b) => b.mode === 'stream').map((b) => [b.bindingId, b]));
      if (stopped) return;
      const ids = only === undefined ? new Set([...wanted.keys(), ...running.keys()]) : new Set([only]);
      const closing: Promise<void>[] = [];
      for (const id of ids) {
        const binding = wanted.get(id);
        const current = running.get(id);
        if (current && (!binding || current.fingerprint !== fingerprintOf(binding))) {
          running.delete(id);
          logger.info({ bindingId: id }, binding ? 'stream: binding changed, reconnecting' : 'stream: binding no longer in stream mode');
          closing.push(current.connection.close());
        }
        if (binding && !running.has(id)) running.set(id, open(binding));
      }
      await Promise.all(closing);
    });
    // A failed re-read must not block the next one; the caller still sees its own failure.
    queue = next.catch(() => undefined);
    return next;
  };

  return {
    async start() {
      if (started || stopped) return;
      started = true;
      await reconcile();
      if (pollIntervalMs > 0) {
        poll = setInterval(() => {
          reconcile().catch((error: unknown) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'stream: re-reading the bindings failed'));
        }, pollIntervalMs);
        poll.unref();
      }
    },
    async refresh(bindingId) {
      if (!started || stopped) return;
      await reconcile(bindingId);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(poll);
      await queue;
      const all = [...running.values()];
      running.clear();
      await Promise.all(all.map((entry) => entry.connection.close()));
    },
    status: () =>
      [...running].map(([bindingId, entry]) => {
        const { state, connectedAt, lastEventAt, reconnects, lastError } = entry.connection.status();
        return { bindingId, state, connectedAt, lastEventAt, reconnects, lastError };
      }),
  };
}

/** §8.3: the envelope is in the headers; the payload kept is the `data` object (ids, `diffInfo`). */
function toInboxEvent(event: StreamEvent, binding: BindingEventContext, log: Logger): InboxEvent {
  if (event.corpId !== null && event.corpId !== binding.corpId) {
    // An internal app only hears its own organization; keep the event (the processor re-reads DingTalk) but say so.
    log.warn({ eventId: event.eventId, eventCorpId: event.corpId }, 'stream: event for another CorpId than the binding');
  }
  return { eventId: event.eventId, eventType: event.eventType, corpId: event.corpId ?? binding.corpId, bornAt: event.bornAt, payload: event.data, source: 'stream' };
}

function fingerprintOf(binding: BindingEventContext): string {
  return JSON.stringify([binding.corpId, binding.appKey, binding.appSecret, binding.apiBase?.api ?? null]);
}
