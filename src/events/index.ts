/**
 * The events area's only face (issue 5): DingTalk address-book events into the directory within seconds.
 * HTTP push receiver → durable inbox → `events-process` worker (re-fetch, plan, guard, apply as an `event` run),
 * and failed-event recovery (§7.5). The Stream listener stores into the same inbox.
 *
 * @example
 * import { createEventInbox, type InboxEvent } from '../events/index.ts';
 * const inbox = createEventInbox({ db, jobs });
 * await inbox.store(bindingId, [{ eventId, eventType: 'user_add_org', corpId, bornAt, payload, source: 'stream' }]);
 */
export { INBOX_EVENT_SOURCES, type EventInbox, type InboxEvent, type InboxEventSource, type JsonValue } from './inbox-event.ts';
export {
  createStreamConnection,
  backoffDelay,
  type StreamConnection,
  type StreamConnectionOptions,
  type StreamConnectionStatus,
  type StreamEvent,
} from './stream-connection.ts';
export { createStreamListener, type StreamListener, type StreamListenerOptions, type StreamBindingStatus, type StreamBindings, type StreamListenerMetrics } from './stream-listener.ts';
export { createEventInbox, inboxEventId, type EventInboxDeps, type EventsProcessJob } from './event-inbox.ts';
export { createQueuedDrains, type QueuedDrains } from './queued-drains.ts';
export { failedListEvent, parsePushedEvent, touchedIds } from './dingtalk-event.ts';
export {
  CALLBACK_OUTCOMES,
  CALLBACK_PATH,
  CALLBACK_WINDOW_MS,
  createCallbackReceiver,
  type CallbackOutcome,
  type CallbackReceiverDeps,
} from './callback-receiver.ts';
export { createEventProcessor, type EventProcessor, type EventProcessorDeps } from './event-processor.ts';
export { createFailedEventRecovery, type FailedEventRecoveryDeps } from './failed-event-recovery.ts';
export { createEvents, EVENTS_RECOVER_CRON, EVENTS_RECOVER_QUEUE, type Events, type EventsDeps } from './create-events.ts';
