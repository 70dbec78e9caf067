/**
 * The HTTP push receiver (§7): `POST /callback/idp/dingtalk/orgapp/{corpId}` outside the admin API.
 *
 * ```
 * binding by corpId → signature (constant time) → timestamp window → decrypt (AppKey or CorpId owner key)
 *   → parse (§8) → store in the inbox (committed; replays are duplicates) → encrypted `success` (§7.4)
 * ```
 * Nothing is fetched or applied here: the answer only waits for one insert, well inside DingTalk's 1.5 s (§7.5).
 * Refusals store nothing, are logged without secrets or payloads, and are counted by outcome.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AppError, isAppError, systemClock, type Clock } from '../core/index.ts';
import type { BindingEventContext } from '../bindings/index.ts';
import { createCallbackCrypto, isDingTalkError, type CallbackCrypto, type CallbackReply } from '../dingtalk/index.ts';
import { parsePushedEvent } from './dingtalk-event.ts';
import type { EventInbox } from './inbox-event.ts';

/** Every value `observeCallback` is called with (a fixed label set). */
export const CALLBACK_OUTCOMES = [
  'stored',
  'duplicate',
  'check_url',
  'unknown_corp',
  'bad_signature',
  'stale_timestamp',
  'undecryptable',
  'wrong_owner_key',
  'bad_payload',
  'error',
] as const;
export type CallbackOutcome = (typeof CALLBACK_OUTCOMES)[number];

/** The callback path (the one the seeds' IdaaS uses); `{PUBLIC_URL}` + this is the Request URL. */
export const CALLBACK_PATH = '/callback/idp/dingtalk/orgapp/:corpId';

/**
 * Accepted distance between a push's timestamp and our clock: ±10 minutes. DingTalk retries a failed push after
 * 10 s and 40 s (§7.5) with a fresh signature; a wider window only helps a replayer, a narrower one hurts a server
 * whose clock drifts. Replays inside the window are caught by the inbox's (binding, eventId) dedupe.
 */
export const CALLBACK_WINDOW_MS = 10 * 60_000;

export interface CallbackReceiverDeps {
  bindings: {
    eventContextByCorp(corpId: string): Promise<BindingEventContext | undefined | null>;
    /** Notes an answered `check_url` (the console's live indicator); absent = not recorded. */
    recordCheckUrl?(bindingId: string, at: Date): Promise<void>;
  };
  inbox: EventInbox;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  observe?: (outcome: CallbackOutcome) => void;
  clock?: Clock;
  windowMs?: number;
}

/**
 * The receiver as a Fastify plugin for `createHttpServer({ plugins })`.
 *
 * @example
 * const http = await createHttpServer({ ..., plugins: [createCallbackReceiver({ bindings, inbox, logger })] });
 */
export function createCallbackReceiver(deps: CallbackReceiverDeps): (app: FastifyInstance) => Promise<void> {
  const clock = deps.clock ?? systemClock;
  const windowMs = deps.windowMs ?? CALLBACK_WINDOW_MS;
  const observe = (outcome: CallbackOutcome): void => {
    try {
      deps.observe?.(outcome);
    } catch {
      // a failing metric never breaks a callback
    }
  };

  // Callbacks for one corp that arrive while its binding is being read share that read (single flight): when a
  // stall piles requests up they cost one query on the single PGlite connection instead of one each. No cache
  // beyond that, so a rotated token or AES key holds from the next read on.
  const lookups = new Map<string, Promise<BindingEventContext | undefined | null>>();
  function eventContext(corpId: string): Promise<BindingEventContext | undefined | null> {
    let lookup = lookups.get(corpId);
    if (lookup === undefined) {
      lookup = deps.bindings.eventContextByCorp(corpId).finally(() => lookups.delete(corpId));
      lookups.set(corpId, lookup);
    }
    return lookup;
  }

  async function receive(corpId: string, query: Record<string, string | string[] | undefined>, body: unknown): Promise<CallbackReply> {
    const context = await eventContext(corpId);
    if (!context || context.mode !== 'http' || context.callbackToken === null || context.aesKey === null) {
      throw refusal('unknown_corp', 'events.unknown_corp', 404, `No binding receives HTTP events for corpId ${corpId}; check the Request URL and the binding's event mode.`);
    }
    // §7.3: AppKey for console-configured subscriptions, CorpId for register_call_back ones: accept either.
    let verified: { crypto: CallbackCrypto; msg: string; timestamp: string } | undefined;
    for (const ownerKey of [context.appKey, context.corpId]) {
      const crypto = createCallbackCrypto({ token: context.callbackToken, aesKey: context.aesKey, ownerKey, clock });
      try {
        const result = crypto.verify(query, body);
        verified = { crypto, msg: result.msg, timestamp: result.timestamp };
        break;
      } catch (error) {
        if (isDingTalkError(error, 'dingtalk.callback_owner_key_mismatch')) continue;
        if (isDingTalkError(error, 'dingtalk.callback_signature_mismatch')) {
          throw refusal('bad_signature', 'events.bad_signature', 401, 'The callback signature does not match the binding\'s callback token.');
        }
        if (isDingTalkError(error, 'dingtalk.callback_bad_request')) {
          throw refusal('bad_signature', 'events.bad_request', 401, `The callback lacks its signature, timestamp, nonce or body: ${(error as Error).message}.`);
        }
        throw refusal('undecryptable', 'events.undecryptable', 400, 'The callback could not be decrypted with the binding\'s AES key.');
      }
    }
    if (verified === undefined) {
      throw refusal('wrong_owner_key', 'events.wrong_owner_key', 400, 'The callback was encrypted for neither the binding\'s AppKey nor its CorpId.');
    }
    const stamp = Number(verified.timestamp);
    const stampMs = stamp < 1e11 ? stamp * 1000 : stamp;
    if (!Number.isFinite(stampMs) || Math.abs(clock.now() - stampMs) > windowMs) {
      throw refusal('stale_timestamp', 'events.stale_timestamp', 401, `The callback timestamp is outside ±${windowMs / 60_000} minutes of this server's clock.`);
    }
    let parsed: ReturnType<typeof parsePushedEvent>;
    try {
      parsed = parsePushedEvent(verified.msg, context.corpId);
    } catch (error) {
      if (isAppError(error)) {
        observe('bad_payload');
        throw error;
      }
      throw error;
    }
    if (parsed.checkUrl) {
      observe('check_url');
      // Recorded before answering, so a console polling the binding sees it as soon as DingTalk does. A failed write
      // only dims the indicator: the subscription itself works, so DingTalk still gets its `success`.
      await deps.bindings.recordCheckUrl?.(context.bindingId, new Date(clock.now())).catch((error: unknown) => {
        deps.logger.warn({ err: error, bindingId: context.bindingId }, 'events: could not record the check_url time');
      });
      deps.logger.info({ bindingId: context.bindingId }, 'events: check_url answered');
      return verified.crypto.replySuccess();
    }
    const { stored } = await deps.inbox.store(context.bindingId, [parsed.event]);
    observe(stored > 0 ? 'stored' : 'duplicate');
    return verified.crypto.replySuccess();
  }

  function refusal(outcome: CallbackOutcome, code: string, status: number, message: string): AppError {
    observe(outcome);
    return new AppError(code, message, { status });
  }

  return (app) => {
    app.post<{ Params: { corpId: string }; Querystring: Record<string, string | string[] | undefined> }>(
      CALLBACK_PATH,
      async (request, reply) => {
        try {
          return await reply.code(200).send(await receive(request.params.corpId, request.query, request.body));
        } catch (error) {
          if (isAppError(error)) {
            // No query, body or key in the log: the corpId and the reason are enough to act on.
            deps.logger.warn({ corpId: request.params.corpId, code: error.code }, 'events: callback refused');
          } else {
            observe('error');
            deps.logger.error({ err: error, corpId: request.params.corpId }, 'events: callback failed');
          }
          throw error;
        }
      },
    );
    return Promise.resolve();
  };
}
