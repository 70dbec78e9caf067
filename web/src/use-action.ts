/** One user action at a time (a save, a removal): busy while it runs, its error kept for an ErrorAlert. */
import { useCallback, useState } from 'react';

export interface Action {
  busy: boolean;
  error: Error | undefined;
  /** Runs `work`; resolves to its value, or to undefined after keeping the error (the form keeps what was typed). */
  run: <T>(work: () => Promise<T>) => Promise<T | undefined>;
  clear: () => void;
}

/**
 * @example
 * const save = useAction();
 * const saved = await save.run(() => api.updateAccount(id, patch));
 * if (saved) close();
 */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const run = useCallback(async <T,>(work: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(undefined);
    try {
      return await work();
    } catch (reason) {
      setError(reason instanceof Error ? reason : new Error(String(reason)));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  const clear = useCallback(() => setError(undefined), []);
  return { busy, error, run, clear };
}
