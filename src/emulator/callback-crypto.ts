/**
 * DingTalk's callback crypto (§7.3), written inside the emulator so that the emulator and the product's client
 * share only the wire: AES-256-CBC with IV = key[0..16), a hand-made PKCS#7 padding over 32-byte blocks, the
 * plaintext `random(16) || len(4, big-endian) || msg || ownerKey`, standard Base64, and a SHA-1 signature over the
 * lexicographically sorted `[token, timestamp, nonce, encrypt]`. Checked against the published vectors V1–V4 (§7.6).
 *
 * Decryption never throws anything but a {@link CallbackCryptoError} with the library's code (900004 bad aes key,
 * 900008 decrypt error, 900009 length mismatch), so a receiver's garbage reply is a value to report, not a crash.
 *
 * @example
 * const encrypt = encryptCallback(aesKey, appKey, 'success');
 * const signature = callbackSignature(token, '1614767836', 'A7Co0cJLMzIDtMMI', encrypt);
 * decryptCallback(aesKey, encrypt); // { message: 'success', ownerKey: appKey }
 */
import { createCipheriv, createDecipheriv, createHash, randomInt } from 'node:crypto';

/** §7.1: the EncodingAESKey is exactly 43 characters of a–z A–Z 0–9. */
export const AES_KEY_PATTERN = /^[A-Za-z0-9]{43}$/;

const RANDOM_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const BLOCK = 32;

export class CallbackCryptoError extends Error {
  /** The official library's code (§7.3): 900004, 900007, 900008, 900009. */
  readonly code: number;

  constructor(code: number, message: string) {
    super(message);
    this.name = 'CallbackCryptoError';
    this.code = code;
  }
}

/** §7.3: SHA-1 over the four strings sorted and joined without a separator, as 40 lowercase hex digits. */
export function callbackSignature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  return createHash('sha1').update([token, timestamp, nonce, encrypt].sort().join('')).digest('hex');
}

/** `base64decode(aesKey + "=")`, 32 bytes, or 900004. */
export function callbackKey(aesKey: string): Buffer {
  if (!AES_KEY_PATTERN.test(aesKey)) throw new CallbackCryptoError(900004, '不合法的aeskey');
  return Buffer.from(`${aesKey}=`, 'base64');
}

/** Random text from `A–Z a–z 0–9`, as the reference implementations make the 16-byte prefix and nonces (§7.3, §7.4). */
export function randomText(length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += RANDOM_ALPHABET[randomInt(RANDOM_ALPHABET.length)];
  return text;
}

/** §7.3 encryption; `random16` is for reproducing a published vector, otherwise drawn fresh. */
export function encryptCallback(aesKey: string, ownerKey: string, message: string, random16: string = randomText(16)): string {
  const key = callbackKey(aesKey);
  const body = Buffer.from(message, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  const plain = Buffer.concat([Buffer.from(random16, 'latin1'), length, body, Buffer.from(ownerKey, 'utf8')]);
  const pad = BLOCK - (plain.length % BLOCK);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
}

/**
 * §7.3 decryption: whitespace is stripped first (the Python reference wraps Base64 every 76 characters); the pad
 * byte p is removed when 1 ≤ p ≤ 32 (the Java library treats others as 0).
 */
export function decryptCallback(aesKey: string, encrypt: string): { message: string; ownerKey: string } {
  const key = callbackKey(aesKey);
  const text = encrypt.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new CallbackCryptoError(900008, 'encrypt is not Base64');
  const cipherText = Buffer.from(text, 'base64');
  if (cipherText.length === 0 || cipherText.length % 16 !== 0) throw new CallbackCryptoError(900008, 'cipher text is not whole AES blocks');
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
    decipher.setAutoPadding(false);
    plain = Buffer.concat([decipher.update(cipherText), decipher.final()]);
  } catch (error) {
    throw new CallbackCryptoError(900008, error instanceof Error ? error.message : 'decrypt error');
  }
  const pad = plain[plain.length - 1] as number;
  const body = plain.subarray(0, plain.length - (pad >= 1 && pad <= BLOCK ? pad : 0));
  if (body.length < 20) throw new CallbackCryptoError(900009, 'plaintext shorter than its header');
  const length = body.readUInt32BE(16);
  if (20 + length > body.length) throw new CallbackCryptoError(900009, 'length prefix beyond the plaintext');
  return { message: body.subarray(20, 20 + length).toString('utf8'), ownerKey: body.subarray(20 + length).toString('utf8') };
}
