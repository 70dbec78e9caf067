/**
 * Secrets with a lifetime on the injected clock, for the login surface (§10): the QR-login and 免登 codes (5 minutes,
 * single use — §10.1 step 2, §10.3), user access tokens (7200 s) and refresh tokens (30 days) (§10.1 step 3).
 *
 * A lookup tells "unknown" from "expired", because DingTalk does (40078 vs 40102, §6.2). Expired entries are kept
 * for a day so that the difference survives, then swept; spent entries are forgotten at once (a used code is
 * "unknown" again, as DingTalk's 40078 "不存在的临时授权码" says).
 *
 * @example
 * const codes = new CodeBook<string>(300_000);
 * const code = codes.issue('u1', clock.now());
 * codes.peek(code, clock.now()); // { kind: 'valid', value: 'u1' }
 * codes.spend(code);             // later lookups: { kind: 'unknown' }
 */
import { randomBytes } from 'node:crypto';

export type Lookup<T> = { kind: 'valid'; value: T } | { kind: 'expired'; value: T } | { kind: 'unknown' };

/** How long an expired entry is remembered, so that "expired" can be told apart from "unknown". */
const REMEMBER_EXPIRED_MS = 24 * 3_600_000;
/** Every so many issues, entries past that memory are dropped, so a long-running emulator does not grow. */
const SWEEP_EVERY = 256;

interface Entry<T> {
  value: T;
  expiresAt: number;
}

export class CodeBook<T> {
  readonly #entries = new Map<string, Entry<T>>();
  readonly #lifetimeMs: number;
  #issued = 0;

  constructor(lifetimeMs: number) {
    this.#lifetimeMs = lifetimeMs;
  }

  /** The lifetime of a new entry, in whole seconds (as `expireIn` states it). */
  get lifetimeSeconds(): number {
    return Math.floor(this.#lifetimeMs / 1000);
  }

  /**
   * A new random key for `value`: 32 hex characters like DingTalk's codes and tokens; random, not seeded, so that a
   * code or token cannot be guessed from the seed.
   */
  issue(value: T, now: number): string {
    this.#issued += 1;
    if (this.#issued % SWEEP_EVERY === 0) this.#sweep(now);
    const key = randomBytes(16).toString('hex');
    this.#entries.set(key, { value, expiresAt: now + this.#lifetimeMs });
    return key;
  }

  /** Looks a key up without spending it. */
  peek(key: string, now: number): Lookup<T> {
    const entry = this.#entries.get(key);
    if (!entry) return { kind: 'unknown' };
    return entry.expiresAt > now ? { kind: 'valid', value: entry.value } : { kind: 'expired', value: entry.value };
  }

  /** Spends a key: every later lookup finds nothing. */
  spend(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }

  #sweep(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt + REMEMBER_EXPIRED_MS <= now) this.#entries.delete(key);
    }
  }
}
