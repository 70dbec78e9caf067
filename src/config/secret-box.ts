/**
 * Secrets at rest (AppSecrets, callback AES keys, client secrets): AES-256-GCM under the configured key.
 *
 * Sealed format, one ASCII string that fits a text column:
 *
 *     v1.<key fingerprint>.<iv>.<ciphertext>.<tag>      (iv, ciphertext, tag: base64url; iv 12 bytes, tag 16)
 *
 * The version lets the format change later; the fingerprint lets `open` say "sealed under another key" instead of
 * a bare authentication failure, and is what a future key rotation would select the old key by. The optional
 * `context` (say `binding:<id>:app_secret`) is bound as associated data, so a sealed value copied into another
 * row or column does not open there.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError } from '../core/index.ts';
import type { SecretKey } from './secret-key.ts';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface SecretBox {
  /** Encrypts `plaintext`; each call uses a fresh random IV, so equal inputs give different outputs. */
  seal(plaintext: string, context?: string): string;
  /** Decrypts what {@link SecretBox.seal} produced with the same key and context, or throws an AppError. */
  open(sealed: string, context?: string): string;
}

/**
 * A {@link SecretBox} under `key`.
 *
 * @example
 * const box = createSecretBox(config.secretKey);
 * const stored = box.seal(appSecret, `binding:${id}:app_secret`);   // 'v1.a1b2c3d4.…'
 * box.open(stored, `binding:${id}:app_secret`) === appSecret;
 */
export function createSecretBox(key: SecretKey): SecretBox {
  const keyBytes = key.bytes();
  const associatedData = (context: string): Buffer => Buffer.from(`${VERSION}.${key.fingerprint}.${context}`);

  return {
    seal(plaintext, context = '') {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', keyBytes, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(associatedData(context));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, key.fingerprint, iv, ciphertext, tag]
        .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
        .join('.');
    },

    open(sealed, context = '') {
      const parts = sealed.split('.');
      const [version, fingerprint, iv, ciphertext, tag] = parts.map((part, index) =>
        index < 2 ? part : Buffer.from(part, 'base64url'),
      ) as [string, string, Buffer, Buffer, Buffer];
      if (parts.length !== 5 || version !== VERSION || iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
        throw new AppError('secret.malformed', 'A stored secret is not in the sealed format this version reads.', {
          details: { version: parts.length === 5 ? version : undefined },
        });
      }
      if (fingerprint !== key.fingerprint) {
        throw new AppError(
          'secret.wrong_key',
          `A stored secret was sealed under key ${fingerprint}, but the configured key is ${key.fingerprint}. ` +
            'Restore the DINGBRIDGE_SECRET_KEY (or DATA_DIR/secret.key) it was stored with, or enter the secret again.',
          { expose: true, details: { sealedWith: fingerprint, configured: key.fingerprint } },
        );
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', keyBytes, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(associatedData(context));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
      } catch (error) {
        // GCM authentication failed: the value was altered, or it belongs to another row (context mismatch).
        throw new AppError('secret.corrupt', 'A stored secret failed its integrity check and was not used.', {
          cause: error,
        });
      }
    },
  };
}
