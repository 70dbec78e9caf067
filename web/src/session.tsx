/**
 * The signed-in state: the admin token in sessionStorage (gone when the tab closes; never in localStorage, where
 * any later visitor of the profile would find it) and the API client made with it. The token is the local one
 * typed in, or one minted from a DingTalk sign-in (`POST /api/v1/console/session`); the console uses both alike.
 * A minted token lives an hour at most, so it is renewed from the browser's DingTalk sign-in shortly before it
 * expires; when that sign-in has ended too, the console goes back to sign-in.
 */
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { createApiClient, type ApiClient, type ConsoleSessionView } from './api-client.ts';

const STORAGE_KEY = 'dingbridge.adminToken';
/** A minted token is renewed this long before it expires. */
const RENEW_BEFORE_MS = 2 * 60 * 1000;

export interface Session {
  api: ApiClient;
  /** Who the token speaks for, once the server said so. */
  identity: ConsoleSessionView | undefined;
  /** Signs out: a minted token is revoked (with the browser's DingTalk sign-in); the token is forgotten either way. */
  signOut: () => void;
}

const SessionContext = createContext<Session | undefined>(undefined);

/** True on the console's return from DingTalk sign-in (`/?sign-in=dingtalk`, set by the server's sign-in options). */
export function returnedFromDingTalk(): boolean {
  return new URLSearchParams(window.location.search).get('sign-in') === 'dingtalk';
}

/** Renders `signIn` until a token is stored, then `children` with a session. */
export function SessionGate({ signIn, children }: { signIn: (accept: (token: string) => void) => ReactNode; children: ReactNode }) {
  // Back from DingTalk, the person just chose whom to sign in as: that sign-in wins over a token kept from before.
  const [token, setToken] = useState<string | null>(() => (returnedFromDingTalk() ? null : sessionStorage.getItem(STORAGE_KEY)));
  const [identity, setIdentity] = useState<ConsoleSessionView>();
  const accept = (accepted: string) => {
    sessionStorage.setItem(STORAGE_KEY, accepted);
    setIdentity(undefined); // until the server says whom the new token speaks for (no renewal from a stale expiry)
    setToken(accepted);
  };
  const session = useMemo<Session | undefined>(() => {
    if (!token) return undefined;
    const forget = () => {
      sessionStorage.removeItem(STORAGE_KEY);
      setIdentity(undefined);
      setToken(null);
    };
    const api = createApiClient({ token, onUnauthorized: forget });
    const signOut = () => {
      // Forgotten whatever the answer: a server that cannot be reached must not keep anyone signed in here.
      void api.endConsoleSession().catch(() => undefined).finally(forget);
    };
    return { api, identity: undefined, signOut };
  }, [token]);

  useEffect(() => {
    if (!session) return;
    let live = true;
    session.api.showConsoleSession().then(
      (view) => live && setIdentity(view),
      () => undefined, // a refused token already sent the console back to sign-in
    );
    return () => {
      live = false;
    };
  }, [session]);

  const expiresAt = identity?.kind === 'dingtalk' && identity.expiresAt ? Date.parse(identity.expiresAt) : undefined;
  useEffect(() => {
    if (expiresAt === undefined || !session) return;
    const timer = setTimeout(
      () => {
        createApiClient({})
          .createConsoleSession()
          .then(
            (created) => accept(created.token),
            // The DingTalk sign-in ended (or the role was taken away): the token runs out and sign-in follows.
            () => undefined,
          );
      },
      Math.max(0, expiresAt - Date.now() - RENEW_BEFORE_MS),
    );
    return () => clearTimeout(timer);
  }, [expiresAt, session]);

  const value = useMemo(() => (session ? { ...session, identity } : undefined), [session, identity]);
  if (!value) return signIn(accept);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

/**
 * The signed-in session (inside SessionGate).
 *
 * @example
 * const { api } = useSession();
 */
export function useSession(): Session {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionGate');
  return value;
}
