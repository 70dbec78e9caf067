import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../core/index.ts';
import { createSecretBox, SecretKey } from './index.ts';

const key = new SecretKey(randomBytes(32), 'env');
const box = createSecretBox(key);

function openError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isAppError(error)) return error.code;
    throw error;
  }
  throw new Error('expected an AppError');
}

describe('createSecretBox', () => {
  it('round-trips text, including non-ASCII and empty strings', () => {
    for (const secret of ['s3cr3t', '', '钉钉 AppSecret ✓', 'x'.repeat(10_000)]) {
      expect(box.open(box.seal(secret))).toBe(secret);
    }
  });

  it('writes a versioned string naming the key, never the plaintext, with a fresh IV each time', () => {
    const sealed = box.seal('plain-secret', 'binding:1:app_secret');
    expect(sealed).toMatch(new RegExp(`^v1\\.${key.fingerprint}\\.[\\w-]{16}\\.[\\w-]+\\.[\\w-]{22}$`));
    expect(sealed).not.toContain('plain-secret');
    expect(box.seal('plain-secret', 'binding:1:app_secret')).not.toBe(sealed);
  });

  it('refuses a value sealed for another context (copied into another row)', () => {
    const sealed = box.seal('s', 'binding:1:app_secret');
    expect(openError(() => box.open(sealed, 'binding:2:app_secret'))).toBe('secret.corrupt');
  });

  it('refuses a tampered value', () => {
    const sealed = box.seal('secret');
    const parts = sealed.split('.');
    const ciphertext = Buffer.from(parts[3]!, 'base64url');
    ciphertext[0]! ^= 1;
    parts[3] = ciphertext.toString('base64url');
    expect(openError(() => box.open(parts.join('.')))).toBe('secret.corrupt');
  });

  it('says which key a value was sealed under when the configured key differs', () => {
    const other = createSecretBox(new SecretKey(randomBytes(32), 'file'));
    expect(openError(() => other.open(box.seal('s')))).toBe('secret.wrong_key');
  });

  it('rejects strings that are not sealed values', () => {
    for (const text of ['plain', 'v2.a.b.c.d', `v1.${key.fingerprint}.AA.AA.AA`]) {
      expect(openError(() => box.open(text))).toBe('secret.malformed');
    }
  });
});
