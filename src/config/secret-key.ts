import { createHash } from 'node:crypto';
import { inspect } from 'node:util';

/** Where the key came from: the environment, the key file under DATA_DIR, or generated into it just now. */
export type SecretKeySource = 'env' | 'file' | 'generated';

/**
 * The 32-byte key for secrets at rest. The bytes stay in a private field and every way of printing the object
 * (`String()`, `JSON.stringify`, `console.log`, pino) shows only a fingerprint, so logging the whole config never
 * leaks the key.
 *
 * @example
 * const key = new SecretKey(randomBytes(32), 'env');
 * key.fingerprint;   // 'a1b2c3d4' — the same on every replica that shares the key
 * String(key);       // '[secret key a1b2c3d4]'
 */
export class SecretKey {
  readonly #bytes: Buffer;
  readonly source: SecretKeySource;
  /** First 8 hex digits of SHA-256 of the key: safe to show, lets operators check replicas share a key. */
  readonly fingerprint: string;

  constructor(bytes: Uint8Array, source: SecretKeySource) {
    if (bytes.length !== 32) throw new TypeError(`A secret key has 32 bytes, not ${bytes.length}.`);
    this.#bytes = Buffer.from(bytes);
    this.source = source;
    this.fingerprint = createHash('sha256').update(this.#bytes).digest('hex').slice(0, 8);
    Object.freeze(this);
  }

  /** A copy of the key bytes, for the cipher only. */
  bytes(): Buffer {
    return Buffer.from(this.#bytes);
  }

  equals(other: SecretKey): boolean {
    return this.#bytes.equals(other.#bytes);
  }

  toString(): string {
    return `[secret key ${this.fingerprint}]`;
  }

  toJSON(): string {
    return this.toString();
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
