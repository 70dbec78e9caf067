/**
 * DingTalk HTTP-push callback crypto (§7.3) and the reply map (§7.4), with node:crypto only. Checked against the
 * four published vectors of §7.6 in `callback-crypto.test.ts`.
 *
 * - key = base64(EncodingAESKey + "="), 32 bytes; AES-256-CBC with IV = key[0..16), padding done by hand.
 * - plaintext = random(16) ‖ uint32 BE byte length of msg ‖ msg (UTF-8) ‖ ownerKey (UTF-8), padded PKCS#7-style
 *   to a 32-byte block (1..32 bytes of value n).
 * - signature = lowercase hex SHA-1 of the sorted, concatenated [token, timestamp, nonce, encrypt].
 *
 * The library's error codes (900001…900010, §7.3) become `dingtalk.callback_*` errors with the code in `errcode`.
 */
import { createCipheriv, createDecipheriv, createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { systemClock, type Clock } from '../core/index.ts';
import { DingTalkError, type DingTalkErrorCode } from './dingtalk-errors.ts';

export interface CallbackCryptoOptions {
  /** The callback token (3–32 letters or digits, §7.1). */
  token: string;
  /** The 43-character EncodingAESKey (§7.1). */
  aesKey: string;
  /**
   * The AppKey for console-configured events, the corpId for `register_call_back` ones, the suiteKey for ISV apps
   * (§7.3 ownerKey).
   */
  ownerKey: string;
  /** For the reply's timestamp. Default the system clock. */
  clock?: Clock;
}

/** The §7.4 reply: all strings, and the capital S in `timeStamp`. */
export interface CallbackReply {
  msg_signature: string;
  timeStamp: string;
  nonce: string;
  encrypt: string;
}

/** What DingTalk POSTs: the query (either spelling, §7.2) and the JSON body `{encrypt}`. */
export type CallbackQuery = Record<string, string | string[] | undefined>;

export interface VerifiedCallback {
  /** The decrypted plaintext: the event JSON (`{"EventType":"check_url"}`…). */
  msg: string;
  timestamp: string;
  nonce: string;
}

export interface CallbackCrypto {
  /** SHA-1 signature over the sorted four strings (§7.3). */
  sign(timestamp: string, nonce: string, encrypt: string): string;
  /** Encrypts `msg` for `ownerKey`; `random` (16 ASCII characters) is drawn from A–Z a–z 0–9 when not given. */
  encrypt(msg: string, options?: { random?: string }): string;
  /** Decrypts and checks the owner key (900010 otherwise). Whitespace in `encrypt` is ignored (§7.3 caveat). */
  decrypt(encrypt: string): { msg: string; ownerKey: string };
  /**
   * Checks the signature of a pushed callback (`msg_signature` or `signature`, `timestamp` or `timeStamp`, §7.2)
   * and decrypts it. The timestamp window and replay checks belong to the receiver.
   */
  verify(query: CallbackQuery, body: unknown): VerifiedCallback;
  /** The encrypted-`success` reply DingTalk expects within 1.5 s (§7.4, §7.5). */
  replySuccess(options?: { timestamp?: string; nonce?: string }): CallbackReply;
}

const alphanumeric = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const block = 32;

function fail(code: DingTalkErrorCode, libraryCode: number, message: string): never {
  throw new DingTalkError(code, message, { api: 'callback', errcode: libraryCode });
}

function randomAlphanumeric(length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += alphanumeric[randomInt(alphanumeric.length)];
  return text;
}

function firstOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * @example
 * const crypto = createCallbackCrypto({ token, aesKey, ownerKey: appKey });
 * const { msg } = crypto.verify(request.query, request.body);   // throws dingtalk.callback_* when forged
 * await inbox.store(JSON.parse(msg));
 * return crypto.replySuccess();
 */
export function createCallbackCrypto(options: CallbackCryptoOptions): CallbackCrypto {
  const { token, ownerKey } = options;
  const clock = options.clock ?? systemClock;
  // 900004: the EncodingAESKey must be 43 characters and decode to 32 bytes.
  const key = Buffer.from(`${options.aesKey}=`, 'base64');
  if (!/^[A-Za-z0-9+/]{43}$/.test(options.aesKey) || key.length !== 32) {
    fail('dingtalk.callback_bad_aes_key', 900004, 'The callback EncodingAESKey must be 43 letters or digits');
  }
  const iv = key.subarray(0, 16);

  const sign = (timestamp: string, nonce: string, encrypt: string): string =>
    createHash('sha1').update([token, timestamp, nonce, encrypt].sort().join('')).digest('hex');

  const encrypt = (msg: string, encryptOptions: { random?: string } = {}): string => {
    const random = Buffer.from(encryptOptions.random ?? randomAlphanumeric(16), 'latin1');
    if (random.length !== 16) fail('dingtalk.callback_encrypt_failed', 900007, 'The random prefix must be 16 bytes');
    const message = Buffer.from(msg, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(message.length);
    const unpadded = Buffer.concat([random, length, message, Buffer.from(ownerKey, 'utf8')]);
    const pad = block - (unpadded.length % block);
    const cipher = createCipheriv('aes-256-cbc', key, iv).setAutoPadding(false);
    return Buffer.concat([cipher.update(Buffer.concat([unpadded, Buffer.alloc(pad, pad)])), cipher.final()]).toString(
      'base64',
    );
  };

  const decrypt = (encrypted: string): { msg: string; ownerKey: string } => {
    // The Python reference wraps Base64 every 76 characters (§7.3 caveat).
    const data = Buffer.from(encrypted.replace(/\s+/g, ''), 'base64');
    if (data.length === 0 || data.length % 16 !== 0) {
      fail('dingtalk.callback_decrypt_failed', 900008, 'The callback ciphertext is not whole AES blocks');
    }
    let plain: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-cbc', key, iv).setAutoPadding(false);
      plain = Buffer.concat([decipher.update(data), decipher.final()]);
    } catch {
      fail('dingtalk.callback_decrypt_failed', 900008, 'The callback ciphertext could not be decrypted');
    }
    // Like the Java reference: a last byte outside 1..32 means no padding.
    const pad = plain[plain.length - 1] ?? 0;
    const body = plain.subarray(0, plain.length - (pad >= 1 && pad <= block ? pad : 0));
    if (body.length < 20) fail('dingtalk.callback_length_mismatch', 900009, 'The callback plaintext is too short');
    const length = body.readUInt32BE(16);
    if (20 + length > body.length) {
      fail('dingtalk.callback_length_mismatch', 900009, 'The callback plaintext is shorter than its length prefix');
    }
    const msg = body.subarray(20, 20 + length).toString('utf8');
    const owner = body.subarray(20 + length).toString('utf8');
    if (owner !== ownerKey) {
      // "计算解密文字corpid不匹配" (§7.4): usually the AppKey/corpId/suiteKey choice of §7.3.
      fail('dingtalk.callback_owner_key_mismatch', 900010, 'The callback was encrypted for another owner key');
    }
    return { msg, ownerKey: owner };
  };

  return {
    sign,
    encrypt,
    decrypt,
    verify(query, body) {
      const signature = firstOf(query.msg_signature) ?? firstOf(query.signature);
      const timestamp = firstOf(query.timestamp) ?? firstOf(query.timeStamp);
      const nonce = firstOf(query.nonce);
      const encrypted = typeof body === 'object' && body !== null ? (body as { encrypt?: unknown }).encrypt : undefined;
      if (timestamp === undefined || timestamp === '') {
        fail('dingtalk.callback_bad_request', 900002, 'The callback has no timestamp');
      }
      if (nonce === undefined || nonce === '') {
        fail('dingtalk.callback_bad_request', 900003, 'The callback has no nonce');
      }
      if (typeof encrypted !== 'string' || encrypted === '') {
        fail('dingtalk.callback_bad_request', 900001, 'The callback body has no encrypt field');
      }
      if (signature === undefined) fail('dingtalk.callback_bad_request', 900006, 'The callback has no signature');
      // The signature is over the exact received string (§7.3), whitespace included.
      const expected = Buffer.from(sign(timestamp, nonce, encrypted), 'utf8');
      const given = Buffer.from(signature.toLowerCase(), 'utf8');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        fail('dingtalk.callback_signature_mismatch', 900005, 'The callback signature does not match');
      }
      return { msg: decrypt(encrypted).msg, timestamp, nonce };
    },
    replySuccess(replyOptions = {}) {
      const timeStamp = replyOptions.timestamp ?? String(clock.now());
      const nonce = replyOptions.nonce ?? randomAlphanumeric(16);
      const encrypted = encrypt('success');
      return { msg_signature: sign(timeStamp, nonce, encrypted), timeStamp, nonce, encrypt: encrypted };
    },
  };
}
