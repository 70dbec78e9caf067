/**
 * One HTTP push as DingTalk sends it (§7.2–§7.4): the plaintext encrypted and signed with the subscription's token,
 * aes_key and owner key (§7.3), POSTed as `{"encrypt":"…"}` to `url?msg_signature=…&timestamp=…&nonce=…&signature=…`
 * (both signature names with the same value, §7.2), and the reply checked: HTTP 200 within the deadline, a JSON map
 * `{msg_signature, timeStamp, nonce, encrypt}` whose signature is right and whose `encrypt` decrypts to `success`
 * with the same owner key (§7.4). Redirects are refused (§7.1).
 *
 * Requests use a fresh connection each (`agent: false`), so closing the emulator leaves no pooled socket behind.
 * The outcome is a value; nothing here throws for a receiver's behaviour.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { z } from 'zod';
import { CallbackCryptoError, callbackSignature, decryptCallback, encryptCallback, randomText } from './callback-crypto.ts';
import type { HttpSubscription } from './event-hub.ts';

/** Replies longer than this are not read further (a receiver answers a ~200-byte map). */
const REPLY_LIMIT = 64 * 1024;

export type PushOutcome =
  | { ok: true }
  /** `transport`: no HTTP 200 in time (refused, timeout, status); `reply`: a 200 whose body is not the right map. */
  | { ok: false; kind: 'transport' | 'reply'; reason: string };

/** §7.4: all strings; a numeric timeStamp or nonce is accepted, and `timestamp` for `timeStamp`. */
const scalar = z.union([z.string(), z.number().transform(String)]);
const replySchema = z.object({
  msg_signature: z.string(),
  timeStamp: scalar.optional(),
  timestamp: scalar.optional(),
  nonce: scalar,
  encrypt: z.string(),
});

export async function sendPush(
  subscription: HttpSubscription,
  plaintext: string,
  options: { now: number; timeoutMs: number; signal: AbortSignal },
): Promise<PushOutcome> {
  // §7.2: the timestamp unit is UNCONFIRMED; milliseconds, as in the crypto library's vectors.
  const timestamp = String(options.now);
  const nonce = randomText(16);
  const encrypt = encryptCallback(subscription.aesKey, subscription.ownerKey, plaintext);
  const signature = callbackSignature(subscription.token, timestamp, nonce, encrypt);
  const url = new URL(subscription.url);
  url.searchParams.set('msg_signature', signature);
  url.searchParams.set('timestamp', timestamp);
  url.searchParams.set('nonce', nonce);
  url.searchParams.set('signature', signature);
  let status: number;
  let text: string;
  try {
    ({ status, text } = await postJson(url, JSON.stringify({ encrypt }), options.timeoutMs, options.signal));
  } catch (error) {
    return { ok: false, kind: 'transport', reason: error instanceof Error ? error.message : String(error) };
  }
  if (status >= 300 && status < 400) return { ok: false, kind: 'transport', reason: `HTTP ${status}: redirects are refused (§7.1)` };
  if (status !== 200) return { ok: false, kind: 'transport', reason: `HTTP ${status}` };
  return checkReply(subscription, text);
}

/** §7.4 reply check. */
export function checkReply(subscription: HttpSubscription, text: string): PushOutcome {
  const fail = (reason: string): PushOutcome => ({ ok: false, kind: 'reply', reason });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return fail(`reply is not JSON: ${text.slice(0, 80)}`);
  }
  const parsed = replySchema.safeParse(json);
  if (!parsed.success) return fail(`reply lacks msg_signature, timeStamp, nonce or encrypt (§7.4): ${text.slice(0, 120)}`);
  const reply = parsed.data;
  const timeStamp = reply.timeStamp ?? reply.timestamp;
  if (timeStamp === undefined) return fail('reply lacks timeStamp (§7.4)');
  if (callbackSignature(subscription.token, timeStamp, reply.nonce, reply.encrypt) !== reply.msg_signature.toLowerCase()) {
    return fail('reply signature mismatch (900005)');
  }
  try {
    const { message, ownerKey } = decryptCallback(subscription.aesKey, reply.encrypt);
    if (ownerKey !== subscription.ownerKey) return fail(`reply owner key ${ownerKey.slice(0, 64)} is not ${subscription.ownerKey} (900010 计算解密文字corpid不匹配)`);
    if (message !== 'success') return fail(`reply decrypts to ${JSON.stringify(message.slice(0, 64))}, not "success"`);
  } catch (error) {
    const code = error instanceof CallbackCryptoError ? error.code : 900008;
    return fail(`reply does not decrypt (${code})`);
  }
  return { ok: true };
}

/** POST with a deadline on the whole exchange; resolves with the status and (at most 64 KiB of) the body. */
function postJson(url: URL, body: string, timeoutMs: number, signal: AbortSignal): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(url, {
      method: 'POST',
      agent: false,
      signal,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), accept: 'application/json' },
    });
    const timer = setTimeout(() => request.destroy(new Error(`no reply within ${timeoutMs} ms`)), timeoutMs);
    const finish = (error: Error | undefined, result?: { status: number; text: string }): void => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(result as { status: number; text: string });
    };
    request.on('error', (error) => finish(error));
    request.on('response', (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        if (size < REPLY_LIMIT) chunks.push(chunk);
        size += chunk.length;
      });
      response.on('error', (error) => finish(error));
      response.on('end', () => finish(undefined, { status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8').slice(0, REPLY_LIMIT) }));
    });
    request.end(body);
  });
}
