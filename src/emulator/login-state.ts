/**
 * Everything the login surface (§10) holds for one emulator: QR-login codes, 免登 codes, user access tokens and
 * refresh tokens (all on the injected clock, via {@link CodeBook}), the redirect URLs each app allows, and the
 * strangers who may log in without being members.
 *
 * @example
 * const login = new LoginState(random.fork('login'));
 * const code = login.authCodes.issue({ clientId, person, corpScope: true }, clock.now());
 * const { accessToken } = login.issueTokens(grant, clock.now());
 */
import { CodeBook } from './login-code-book.ts';
import { strangersOf, type LoginPerson } from './login-person.ts';
import type { Random } from './seeded-random.ts';

/** §10.1 step 2, §10.3: a login code is valid 5 minutes and usable once. */
export const CODE_LIFETIME_MS = 5 * 60_000;
/** §10.1 step 3: the user token lives 7200 s, the refresh token 30 days. */
export const USER_TOKEN_LIFETIME_MS = 7200_000;
export const REFRESH_TOKEN_LIFETIME_MS = 30 * 86_400_000;

/** What a QR-login code, a user token and a refresh token stand for. */
export interface LoginGrant {
  /** The app (Client ID) the person logged in to. */
  clientId: string;
  person: LoginPerson;
  /** Scope `openid corpid`: the token answer carries `corpId` (§10.1 step 1). */
  corpScope: boolean;
}

/** What a 免登 code stands for (§10.3). */
export interface WorkbenchGrant {
  /** The app the code was asked for; undefined: any app of the organization may use it. */
  clientId: string | undefined;
  userid: string;
  /** `device_id` of the answer: one per code, as if each code came from a device. */
  deviceId: string;
}

export class LoginState {
  readonly strangers: readonly LoginPerson[];
  readonly authCodes = new CodeBook<LoginGrant>(CODE_LIFETIME_MS);
  readonly workbenchCodes = new CodeBook<WorkbenchGrant>(CODE_LIFETIME_MS);
  readonly userTokens = new CodeBook<LoginGrant>(USER_TOKEN_LIFETIME_MS);
  readonly refreshTokens = new CodeBook<LoginGrant>(REFRESH_TOKEN_LIFETIME_MS);
  readonly #redirectUris = new Map<string, readonly string[]>();

  constructor(random: Random) {
    this.strangers = strangersOf(random);
  }

  stranger(unionid: string): LoginPerson | undefined {
    return this.strangers.find((person) => person.unionid === unionid);
  }

  /** The redirect URLs configured for an app; undefined: none configured, any loopback URL is allowed. */
  redirectUrisOf(appKey: string): readonly string[] | undefined {
    return this.#redirectUris.get(appKey);
  }

  setRedirectUris(appKey: string, uris: readonly string[] | null): void {
    if (uris === null) this.#redirectUris.delete(appKey);
    else this.#redirectUris.set(appKey, [...uris]);
  }

  /** §10.1 step 3: a user access token and a refresh token for the grant. */
  issueTokens(grant: LoginGrant, now: number): { accessToken: string; refreshToken: string; expireIn: number } {
    return {
      accessToken: this.userTokens.issue(grant, now),
      refreshToken: this.refreshTokens.issue(grant, now),
      expireIn: this.userTokens.lifetimeSeconds,
    };
  }

  /** Back to the start: no codes, no user tokens, no redirect configuration (the strangers stay the same). */
  reset(): void {
    this.authCodes.clear();
    this.workbenchCodes.clear();
    this.userTokens.clear();
    this.refreshTokens.clear();
    this.#redirectUris.clear();
  }
}
