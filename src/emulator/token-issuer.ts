/**
 * App access tokens (§1.2–§1.4): one token per app, shared by `gettoken`, `/v1.0/oauth2/accessToken` and
 * `/v1.0/oauth2/{corpId}/token`, so a token from either family works on both (§1.4 "cross-use").
 *
 * Asking again while the token is valid returns the same token with its lifetime extended to a full 7200 s;
 * after expiry a new one is issued and the old one is refused. Time comes from the injected clock.
 *
 * @example
 * const issued = tokens.issue(appKey, clock.now()); // { token, expiresIn: 7200 }
 * tokens.resolve(issued.token, clock.now());       // appKey, or undefined once expired
 */
import { randomBytes } from 'node:crypto';

export const TOKEN_LIFETIME_SECONDS = 7200;

interface TokenEntry {
  token: string;
  appKey: string;
  expiresAt: number;
}

export class TokenIssuer {
  readonly #byApp = new Map<string, TokenEntry>();
  readonly #byToken = new Map<string, TokenEntry>();

  issue(appKey: string, now: number): { token: string; expiresIn: number } {
    let entry = this.#byApp.get(appKey);
    if (!entry || entry.expiresAt <= now) {
      if (entry) this.#byToken.delete(entry.token);
      // 32 hex characters, like DingTalk's tokens; random, not seeded: a token must not be guessable from the seed.
      entry = { token: randomBytes(16).toString('hex'), appKey, expiresAt: 0 };
      this.#byApp.set(appKey, entry);
      this.#byToken.set(entry.token, entry);
    }
    entry.expiresAt = now + TOKEN_LIFETIME_SECONDS * 1000;
    return { token: entry.token, expiresIn: TOKEN_LIFETIME_SECONDS };
  }

  /** The app a valid token belongs to; undefined for an unknown or expired token. */
  resolve(token: string, now: number): string | undefined {
    const entry = this.#byToken.get(token);
    return entry && entry.expiresAt > now ? entry.appKey : undefined;
  }

  /** Forgets the tokens of apps that no longer exist. */
  retain(appKeys: Set<string>): void {
    for (const [appKey, entry] of this.#byApp) {
      if (appKeys.has(appKey)) continue;
      this.#byApp.delete(appKey);
      this.#byToken.delete(entry.token);
    }
  }
}
