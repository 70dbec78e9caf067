/**
 * The legacy callback APIs the receiver needs (§7.1, §7.5): today only the failed-event list.
 */
import { z } from 'zod';
import type { CallOptions, Transport } from './dingtalk-transport.ts';
import { oapiOkSchema } from './schemas.ts';

/**
 * `GET call_back/get_call_back_failed_result` (§7.5): up to 200 items; `<call_back_tag>` holds the payload
 * (`{userid | deptid: [...], corpid}`), kept loose since tags differ.
 */
export const failedCallbackResultSchema = oapiOkSchema.extend({
  has_more: z.boolean(),
  failed_list: z
    .array(z.looseObject({ call_back_tag: z.string(), event_time: z.number().optional() }))
    .default([]),
});
export type FailedCallbackResult = z.infer<typeof failedCallbackResultSchema>;

export interface CallbackApi {
  /**
   * One batch of events DingTalk failed to push (§7.5). Each call clears the batch the previous call returned, so
   * store a batch before asking for the next. Never retried after a timeout: a lost answer must not clear a batch.
   * @example
   * const { failed_list, has_more } = await client.callbacks.failedResult();
   */
  failedResult(options?: CallOptions): Promise<FailedCallbackResult>;
}

/**
 * @example
 * const callbacks = createCallbackApi(transport.call);
 */
export function createCallbackApi(call: Transport['call']): CallbackApi {
  return {
    failedResult: (options = {}) =>
      call({
        family: 'oapi',
        api: 'call_back/get_call_back_failed_result',
        method: 'GET',
        auth: 'app',
        schema: failedCallbackResultSchema,
        idempotent: false,
        signal: options.signal,
      }),
  };
}
