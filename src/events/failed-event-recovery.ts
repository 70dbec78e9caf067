/**
 * Failed-event recovery (§7.5, HTTP mode): DingTalk parks pushes that failed three times in a list that each call
 * to `get_call_back_failed_result` pages through, clearing the previous batch. So each batch is stored (committed)
 * before the next call; a crash between the two re-reads a batch, which the inbox drops as duplicates.
 */
import type { Logger } from 'pino';
import type { BindingEventContext } from '../bindings/index.ts';
import type { DingTalkClient } from '../dingtalk/index.ts';
import { failedListEvent } from './dingtalk-event.ts';
import type { EventInbox } from './inbox-event.ts';

export interface FailedEventRecoveryDeps {
  bindings: { eventBindings(): Promise<BindingEventContext[]>; clientOf(id: string): Promise<DingTalkClient> };
  inbox: EventInbox;
  logger: Pick<Logger, 'info' | 'warn'>;
  /** Calls per binding per recovery, a bound against a list that never ends. Default 50 (10,000 events). */
  maxCalls?: number;
}

/**
 * @example
 * const recover = createFailedEventRecovery({ bindings, inbox, logger });
 * await recover(); // every binding in http mode
 */
export function createFailedEventRecovery(deps: FailedEventRecoveryDeps): (bindingId?: string) => Promise<{ stored: number; duplicates: number }> {
  const maxCalls = deps.maxCalls ?? 50;
  return async (only) => {
    const total = { stored: 0, duplicates: 0 };
    for (const context of await deps.bindings.eventBindings()) {
      if (context.mode !== 'http' || (only !== undefined && context.bindingId !== only)) continue;
      try {
        const client = await deps.bindings.clientOf(context.bindingId);
        for (let call = 0; call < maxCalls; call++) {
          const page = await client.callbacks.failedResult();
          const events = page.failed_list.map((item) => failedListEvent(item, context.corpId));
          const result = await deps.inbox.store(context.bindingId, events);
          total.stored += result.stored;
          total.duplicates += result.duplicates;
          if (!page.has_more || events.length === 0) break;
        }
      } catch (error) {
        deps.logger.warn({ err: error, bindingId: context.bindingId }, 'events: failed-event recovery did not finish; next time');
      }
    }
    if (total.stored > 0) deps.logger.info(total, 'events: failed events recovered');
    return total;
  };
}
