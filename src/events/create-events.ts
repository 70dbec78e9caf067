/**
 * The events area assembled: inbox, receiver plugin, processor worker and the failed-event recovery schedule.
 * Built by the composition root (`src/app.ts`).
 */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { BindingEventContext } from '../bindings/index.ts';
import type { Clock } from '../core/index.ts';
import type { Database } from '../db/index.ts';
import type { DingTalkClient } from '../dingtalk/index.ts';
import type { Jobs } from '../jobs/index.ts';
import type { SyncContext } from '../sync/index.ts';
import { createCallbackReceiver, type CallbackOutcome } from './callback-receiver.ts';
import { createEventInbox } from './event-inbox.ts';
import { createEventProcessor, type EventProcessor } from './event-processor.ts';
import { createFailedEventRecovery } from './failed-event-recovery.ts';
import type { EventInbox } from './inbox-event.ts';
import { createQueuedDrains } from './queued-drains.ts';

/** The queue of the recovery schedule (created here: it belongs to this area). */
export const EVENTS_RECOVER_QUEUE = 'events-recover';
/** Every 10 minutes; DingTalk lists a failed event 3–5 minutes after its last retry (§7.5). */
export const EVENTS_RECOVER_CRON = '*/10 * * * *';

export interface EventsDeps {
  db: Kysely<Database>;
  jobs: Jobs;
  bindings: {
    eventContextByCorp(corpId: string): Promise<BindingEventContext | undefined>;
    eventBindings(): Promise<BindingEventContext[]>;
    clientOf(id: string): Promise<DingTalkClient>;
    syncContext(id: string): Promise<SyncContext>;
    recordCheckUrl(bindingId: string, at: Date): Promise<void>;
  };
  logger: Logger;
  clock?: Clock;
  observeCallback?: (outcome: CallbackOutcome) => void;
  onRunEnded?: (status: string) => void;
  /** The embedded database admits one process: leases found at start are a dead process's. */
  releaseLeasesAtStart: boolean;
}

export interface Events {
  inbox: EventInbox;
  processor: EventProcessor;
  /** The receiver, for `createHttpServer({ plugins })`. */
  callbackPlugin: (app: FastifyInstance) => Promise<void>;
  /** Drains the failed-event list of every binding in http mode (or one). */
  recoverFailed(bindingId?: string): Promise<{ stored: number; duplicates: number }>;
  /** Processor worker, recovery worker and schedule, and one recovery now. */
  startWorkers(): Promise<void>;
}

/**
 * @example
 * const events = createEvents({ db, jobs, bindings, logger, releaseLeasesAtStart: true });
 * await events.startWorkers();
 * await createHttpServer({ ..., plugins: [events.callbackPlugin] });
 */
export function createEvents(deps: EventsDeps): Events {
  const logger = deps.logger.child({ area: 'events' });
  // One process runs every drain only on the embedded database; replicas must send a job with every commit.
  const queuedDrains = deps.releaseLeasesAtStart ? createQueuedDrains() : undefined;
  const inbox = createEventInbox({ db: deps.db, jobs: deps.jobs, ...(queuedDrains ? { queuedDrains } : {}) });
  const processor = createEventProcessor({
    db: deps.db,
    jobs: deps.jobs,
    ...(queuedDrains ? { queuedDrains } : {}),
    syncContext: (id) => deps.bindings.syncContext(id),
    logger,
    ...(deps.onRunEnded ? { onRunEnded: deps.onRunEnded } : {}),
  });
  const recoverFailed = createFailedEventRecovery({ bindings: deps.bindings, inbox, logger });
  const callbackPlugin = createCallbackReceiver({
    bindings: deps.bindings,
    inbox,
    logger,
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(deps.observeCallback ? { observe: deps.observeCallback } : {}),
  });
  return {
    inbox,
    processor,
    callbackPlugin,
    recoverFailed,
    async startWorkers() {
      await processor.start({ releaseLeases: deps.releaseLeasesAtStart });
      await deps.jobs.createQueue({ name: EVENTS_RECOVER_QUEUE, policy: 'singleton' });
      await deps.jobs.work(EVENTS_RECOVER_QUEUE, async () => {
        await recoverFailed();
      });
      await deps.jobs.schedule(EVENTS_RECOVER_QUEUE, EVENTS_RECOVER_CRON, {});
      // On start: what DingTalk parked while we were down.
      await deps.jobs.send(EVENTS_RECOVER_QUEUE, {});
    },
  };
}
