/**
 * The signed-in state: the admin token in sessionStorage (gone when the tab closes; never in localStorage, where
 * any later visitor of the profile would find it) and the API client made with it.
 */
import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';
import { createApiClient, type ApiClient } from './api-client.ts';

const STORAGE_KEY = 'dingbridge.adminToken';

export interface Session {
  api: ApiClient;
  signOut: () => void;
}

const SessionContext = createContext<Session | undefined>(undefined);

/** Renders `signIn` until a token is stored, then `children` with a session. */
export function SessionGate({ signIn, children }: { signIn: (accept: (token: string) => void) => ReactNode; children: ReactNode }) {
  const [token, setToken] = useState<string | null>(() => sessionStorage.getItem(STORAGE_KEY));
  const session = useMemo<Session | undefined>(() => {
    if (!token) return undefined;
    const signOut = () => {
      sessionStorage.removeItem(STORAGE_KEY);
      setToken(null);
    };
    return { api: createApiClient({ token, onUnauthorized: signOut }), signOut };
  }, [token]);
  if (!session) {
    return signIn((accepted) => {
      sessionStorage.setItem(STORAGE_KEY, accepted);
      setToken(accepted);
    });
  }
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
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
